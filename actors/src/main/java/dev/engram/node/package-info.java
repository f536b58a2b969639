/** Engram actors. */
package dev.engram.node;
