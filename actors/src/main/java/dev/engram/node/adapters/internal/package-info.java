/** Detail of adapter serving: the topic reader, the registry's bookkeeping, the encoder loader. No promises. */
package dev.engram.node.adapters.internal;
