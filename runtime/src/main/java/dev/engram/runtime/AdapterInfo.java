package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterKind;
import java.util.List;
import java.util.Optional;

/**
 * One adapter with all its versions, as the node lists it ({@code GET /v1/adapters}).
 *
 * @param name the adapter's name, e.g. {@code "acme-retriever"}
 * @param kind {@code RETRIEVER} (the node serves it for recall) or {@code AGENT_MODEL} (a LoRA for the
 *     agents' own model: listed by the node, never loaded there; {@link EngramClient#onAdapter} hands
 *     it to the agent runtime as a PEFT folder)
 * @param tenant whose adapter it is; null when none of its versions could be read
 * @param serving the version its tenant's recalls run with now; null for the base encoder
 * @param pinned the version an operator pinned; null when not pinned
 * @param control the operator control in force (the latest pin, unpin or rollback); null if none
 * @param versions every version the node keeps, oldest first
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AdapterInfo(
        String name,
        AdapterKind kind,
        String tenant,
        Long serving,
        Long pinned,
        AdapterControl control,
        List<AdapterVersionInfo> versions) {

    public AdapterInfo {
        kind = kind == null ? AdapterKind.RETRIEVER : kind;
        versions = versions == null ? List.of() : List.copyOf(versions);
    }

    /** The version numbered {@code version}, if the node keeps it. */
    public Optional<AdapterVersionInfo> version(long version) {
        return versions.stream().filter(v -> v.version() == version).findFirst();
    }
}
