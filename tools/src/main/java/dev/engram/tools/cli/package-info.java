/**
 * The {@code engram} command line (picocli): {@code serve}, {@code produce}, {@code recall},
 * {@code demo}, {@code worker}, {@code adapters}, {@code keys}, {@code audit}. The {@code ./engram} script at the repository root runs
 * {@link dev.engram.tools.cli.EngramCli}.
 */
package dev.engram.tools.cli;
