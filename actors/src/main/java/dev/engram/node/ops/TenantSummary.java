package dev.engram.node.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One tenant as {@code GET /v1/tenants} answers it: its memory, the feedback it got, and its
 * adapter's versions with the gate's figures (its quality trend).
 *
 * <pre>{@code
 * {"tenant": "acme", "cases": 1400, "positive": 1100, "negative": 300, "positiveShare": 0.786,
 *  "judgedCases": 420, "judgements": 2700, "useful": 810, "usefulShare": 0.3,
 *  "adapter": "acme-retriever", "servingVersion": 3, "pinnedVersion": null,
 *  "versions": [{"version": 1, "status": "PROMOTED", "heldOutNdcg10": 0.41, "parentHeldOutNdcg10": 0.40,
 *                "heldOutQueries": 90, "serving": false}, ...]}
 * }</pre>
 *
 * @param tenant the tenant
 * @param cases its cases
 * @param positive cases recall would label positive now (reward at or above the threshold and, once
 *     judged often enough, useful often enough)
 * @param negative the others
 * @param positiveShare {@code positive / cases}, 0 without cases
 * @param judgedCases cases judged at least once by an agent that recalled them
 * @param judgements judgements of its cases in all (how often a recalled case was judged)
 * @param useful how many of those judged the case useful
 * @param usefulShare {@code useful / judgements}: the online share of recalled cases judged useful;
 *     null before the first judgement
 * @param adapter its retriever adapter's name; null before its first version
 * @param servingVersion the version its recalls run with; null for the base encoder
 * @param pinnedVersion the pinned version; null when not pinned
 * @param versions its adapter's versions, oldest first, with the gate's held-out figures
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TenantSummary(
        String tenant,
        long cases,
        long positive,
        long negative,
        double positiveShare,
        long judgedCases,
        long judgements,
        long useful,
        Double usefulShare,
        String adapter,
        Long servingVersion,
        Long pinnedVersion,
        List<VersionQuality> versions) {

    public TenantSummary {
        Objects.requireNonNull(tenant, "tenantSummary.tenant is required");
        versions = versions == null ? List.of() : List.copyOf(versions);
    }

    /**
     * One version of a tenant's adapter with the gate's figures on the held-out tasks.
     *
     * @param version the version
     * @param status {@code PROMOTED} or {@code REJECTED}
     * @param heldOutNdcg10 the version's held-out nDCG@10; null when its record could not be read
     * @param parentHeldOutNdcg10 its parent's on the same tasks; null likewise
     * @param heldOutQueries how many held-out tasks; 0 when unknown
     * @param serving whether it serves now
     * @param createdAt when its worker made it (a node's gate decides a candidate as soon as it reads
     *     it); null when the node refused its record
     */
    public record VersionQuality(
            long version,
            String status,
            Double heldOutNdcg10,
            Double parentHeldOutNdcg10,
            int heldOutQueries,
            boolean serving,
            Instant createdAt) {}
}
