/** Detail of the case selector; no promise to other modules. */
package dev.engram.retriever.selector.internal;
