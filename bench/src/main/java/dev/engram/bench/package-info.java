/** Engram bench. */
package dev.engram.bench;
