/**
 * The serving side of the continual loop: every node's {@link dev.engram.node.registry.AdapterRegistry}
 * reads {@code engram.adapters} from the beginning, verifies each adapter by loading it, decides
 * candidates with the {@link dev.engram.node.registry.PromotionGate}, applies operators' pins and
 * rollbacks, and hot-swaps each tenant's {@link dev.engram.node.registry.ServingAdapter} atomically.
 */
package dev.engram.node.registry;
