/** Engram retriever-tuning. */
package dev.engram.retriever;
