/** Engram memory-store. */
package dev.engram.memory;
