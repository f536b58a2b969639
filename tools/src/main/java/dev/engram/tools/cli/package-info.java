/**
 * The {@code engram} command line (picocli): {@code serve}, {@code produce}, {@code recall},
 * {@code demo}. The {@code ./engram} script at the repository root runs
 * {@link dev.engram.tools.cli.EngramCli}.
 */
package dev.engram.tools.cli;
