package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.List;

/**
 * One tenant as the node summarises it ({@code GET /v1/tenants}).
 *
 * @param tenant the tenant
 * @param cases its cases
 * @param positive cases recall would label positive now
 * @param negative the others
 * @param positiveShare {@code positive / cases}
 * @param judgedCases cases judged at least once
 * @param judgements judgements of its cases in all
 * @param useful how many of those judged the case useful
 * @param usefulShare {@code useful / judgements}; null before the first judgement
 * @param adapter its adapter's name; null before its first version
 * @param servingVersion the version its recalls run with; null for the base encoder
 * @param pinnedVersion the pinned version, or null
 * @param versions its adapter's versions, oldest first, with the gate's held-out figures
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TenantInfo(
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

    public TenantInfo {
        versions = versions == null ? List.of() : List.copyOf(versions);
    }

    /**
     * One version of the tenant's adapter with the gate's held-out figures.
     *
     * @param version the version
     * @param status {@code PROMOTED} or {@code REJECTED}
     * @param heldOutNdcg10 its held-out nDCG@10, or null when unknown
     * @param parentHeldOutNdcg10 its parent's on the same tasks, or null
     * @param heldOutQueries how many held-out tasks (0 when unknown)
     * @param serving whether it serves now
     * @param createdAt when its worker made it (a node's gate decides a candidate as soon as it reads
     *     it); null when the node refused its record
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record VersionQuality(
            long version,
            String status,
            Double heldOutNdcg10,
            Double parentHeldOutNdcg10,
            int heldOutQueries,
            boolean serving,
            Instant createdAt) {}
}
