package dev.engram.node.registry;

import java.util.Objects;

/**
 * One swap of a tenant's serving adapter, with when each step of it happened on the registry's
 * thread ({@link System#nanoTime()} instants, comparable with the caller's own). What
 * {@link AdapterRegistry#onSwap} observers receive; for finding where swap latency goes.
 *
 * <pre>{@code
 * registry.onSwap(s -> log.info("{} -> {}: verify {} ms", s.from(), s.to(), (s.verifiedNanos() - s.deliveredNanos()) / 1e6));
 * }</pre>
 *
 * @param tenant whose serving adapter changed
 * @param from the label served before, e.g. {@code "acme-retriever/v2"} or {@code "base"}
 * @param to the label served now
 * @param polledNanos when the consumer's poll returned the record that completed the change
 * @param deliveredNanos when the assembled adapter (or control) reached the registry
 * @param verifiedNanos when the files were written and loaded (equal to {@code deliveredNanos}
 *     when nothing had to be loaded, e.g. an unpin back to the base encoder)
 * @param swappedNanos when recalls started to get {@code to}
 */
public record AdapterSwap(
        String tenant,
        String from,
        String to,
        long polledNanos,
        long deliveredNanos,
        long verifiedNanos,
        long swappedNanos) {

    public AdapterSwap {
        Objects.requireNonNull(tenant, "adapterSwap.tenant is required");
        Objects.requireNonNull(from, "adapterSwap.from is required");
        Objects.requireNonNull(to, "adapterSwap.to is required");
    }
}
