/** Engram streams. */
package dev.engram.streams;
