package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.PlanLossMetrics;
import java.time.Instant;

/**
 * One version of an adapter as the node sees it ({@code GET /v1/adapters}).
 *
 * @param version the version number
 * @param status {@link AdapterStatus#PROMOTED} or {@link AdapterStatus#REJECTED} (the node's gate
 *     decides candidates itself)
 * @param reason why: the gate's figures, why it was refused (signature, status, tenant, files,
 *     canary), or how it failed while serving
 * @param metrics the candidate against its parent; null when the record could not be read at all
 * @param planLoss an agent-model adapter's plan-loss gate verdict as its trainer signed it (candidate
 *     and serving per-token loss on held-out plans, n, the gain's interval, promote or not); null for
 *     a retriever adapter
 * @param payloadSha256 SHA-256 of the adapter's files; null when unreadable
 * @param verified whether the files loaded against the node's encoder without error
 * @param serving whether the adapter's tenant is served by this version now
 * @param policy the ranker policy published with it, described (e.g. {@code "fusion w=0.35 + reuse"}); may be null
 * @param failed whether it failed while serving (its query embedding threw or was not finite): recall
 *     fell back from it, and it never serves again on that node
 * @param method {@code "lora-query-side"} (an adapter with its policy) or {@code "policy-only"} (only
 *     the ranker policy, over the base encoder); null when the record could not be read or the node
 *     predates the field
 * @param createdAt when its worker made it (a node's gate decides a candidate as soon as it reads
 *     it); null for a record the node refused
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AdapterVersionInfo(
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
        Instant createdAt) {}
