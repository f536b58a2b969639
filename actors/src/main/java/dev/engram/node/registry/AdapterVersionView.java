package dev.engram.node.registry;

import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.PlanLossMetrics;
import java.time.Instant;
import java.util.Objects;

/**
 * One version of an adapter as this node sees it, for listings ({@code GET /v1/adapters}).
 *
 * @param version the version number
 * @param status {@code PROMOTED} or {@code REJECTED} (the node decides candidates itself)
 * @param reason why (the gate's figures, why it was refused: signature, status, tenant, files, canary;
 *     or how it failed while serving)
 * @param metrics candidate vs parent; {@code null} when the record could not be read at all, and for
 *     an agent-model adapter
 * @param planLoss an agent-model adapter's plan-loss gate verdict as its trainer signed it; {@code null}
 *     for a retriever adapter
 * @param payloadSha256 SHA-256 of the files; {@code null} when unreadable
 * @param verified whether the files were loaded against this node's encoder without error
 * @param serving whether this is the version the adapter's tenant is served by now
 * @param policy the ranker policy published with this version, described (e.g. {@code "fusion w=0.35 + reuse"})
 * @param failed whether it failed while serving (its query embedding threw or was not finite): recall
 *     fell back from it to its parent or the base, and it never serves again on this node
 * @param method {@code "lora-query-side"} (an adapter with its policy) or {@code "policy-only"} (only
 *     the ranker policy, over the base encoder); {@code null} when the record could not be read
 * @param createdAt when its worker made it (from the signed record; a node's gate decides a candidate
 *     as soon as it reads it, so for a version promoted live this is when it was promoted, to the
 *     seconds a round's publishing takes); null for a record the node refused
 */
public record AdapterVersionView(
        long version,
        AdapterStatus status,
        String reason,
        AdapterMetrics metrics,
        PlanLossMetrics planLoss,
        String payloadSha256,
        boolean verified,
        boolean serving,
        String policy,
        boolean failed,
        String method,
        Instant createdAt) {

    public AdapterVersionView {
        Objects.requireNonNull(status, "adapterVersionView.status is required");
        Objects.requireNonNull(reason, "adapterVersionView.reason is required");
    }
}
