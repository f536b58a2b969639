package dev.engram.node.registry;

import java.util.List;
import java.util.Objects;

/**
 * One adapter with all its versions, as {@code GET /v1/adapters} lists it.
 *
 * @param adapterName e.g. {@code "cranfield-retriever"}
 * @param tenant whose adapter it is ({@code null} when no version could be read)
 * @param serving the version recall uses now, {@code null} for the base encoder
 * @param pinned the pinned version, {@code null} when not pinned
 * @param control the operator control in force, e.g. {@code "ROLLBACK v2 by ana: hurts refunds"}; null if none
 * @param versions oldest first
 */
public record AdapterView(String adapterName, String tenant, Long serving, Long pinned, String control,
        List<AdapterVersionView> versions) {

    public AdapterView {
        Objects.requireNonNull(adapterName, "adapterView.adapterName is required");
        versions = List.copyOf(versions);
    }
}
