/** Engram adapter-trainer. */
package dev.engram.adapters;
