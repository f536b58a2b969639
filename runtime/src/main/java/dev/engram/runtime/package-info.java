/** Engram runtime. */
package dev.engram.runtime;
