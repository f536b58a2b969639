package dev.engram.node.registry;

import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterKind;
import java.util.List;
import java.util.Objects;

/**
 * One adapter with all its versions, as {@code GET /v1/adapters} lists it.
 *
 * @param name the adapter's name, e.g. {@code "cranfield-retriever"}
 * @param kind {@link AdapterKind#RETRIEVER} (served here) or {@link AdapterKind#AGENT_MODEL} (listed,
 *     never loaded: its versions' status is the plan-loss gate's signed verdict, it never serves here)
 * @param tenant whose adapter it is ({@code null} when no version could be read)
 * @param serving the version recall uses now, {@code null} for the base encoder
 * @param pinned the pinned version, {@code null} when not pinned
 * @param control the operator control in force (the latest on the topic); null if none
 * @param versions oldest first
 */
public record AdapterView(
        String name,
        AdapterKind kind,
        String tenant,
        Long serving,
        Long pinned,
        AdapterControl control,
        List<AdapterVersionView> versions) {

    public AdapterView {
        Objects.requireNonNull(name, "adapterView.name is required");
        Objects.requireNonNull(kind, "adapterView.kind is required");
        versions = List.copyOf(versions);
    }
}
