/** Detail of retriever tuning (batch planning, token truncation); no promise to other modules. */
package dev.engram.retriever.tuning.internal;
