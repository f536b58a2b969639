package dev.engram.node.cluster;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition of {@code engram.feedback} that a tenant's events go to: the producer's own choice
 * for a record keyed by the tenant (murmur2 of the UTF-8 key, made positive, modulo the partition
 * count), so the node that Kafka assigned that partition holds the tenant's cases.
 *
 * <pre>{@code
 * int partition = new TenantPartitioner(4).partitionOf("acme");
 * }</pre>
 */
public record TenantPartitioner(int partitions) {

    public TenantPartitioner {
        if (partitions <= 0) {
            throw new IllegalArgumentException("tenantPartitioner.partitions must be > 0, was " + partitions);
        }
    }

    /** The partition of {@code tenant}'s events. */
    public int partitionOf(String tenant) {
        if (tenant == null) {
            throw new IllegalArgumentException("tenant is required");
        }
        return Utils.toPositive(Utils.murmur2(tenant.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
