/**
 * The node's adapter serving: the {@link dev.engram.node.adapters.AdapterRegistry} actor that reads
 * {@code engram.adapters}, validates every version, applies the
 * {@link dev.engram.node.adapters.PromotionGate} and operators' pins and rollbacks, and swaps what
 * serves each tenant atomically in the {@link dev.engram.node.adapters.ServingTable} that recall
 * reads; {@link dev.engram.node.adapters.AdapterServing} starts it all, and
 * {@link dev.engram.node.adapters.AdapterRoutes} serves it to operators over HTTP.
 */
package dev.engram.node.adapters;
