package dev.engram.node.testing;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Reads a consumer group's committed offsets, i.e. what a node has made durable. */
public final class GroupOffsets implements AutoCloseable {

    private final Admin admin;
    private final String group;

    public GroupOffsets(String bootstrap, String group) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        this.group = group;
    }

    /** The committed offsets, per partition (absent partitions have none). */
    public Map<TopicPartition, Long> committed() {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> out = new HashMap<>();
            offsets.forEach((tp, om) -> {
                if (om != null) {
                    out.put(tp, om.offset());
                }
            });
            return out;
        } catch (Exception e) {
            throw new AssertionError("reading the offsets of group " + group + " failed: " + e, e);
        }
    }

    /** Whether every partition in {@code target} has a committed offset at least as far. */
    public boolean reached(Map<TopicPartition, Long> target) {
        Map<TopicPartition, Long> committed = committed();
        return target.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    /** How many records past {@code first} the group has committed, summed over {@code first}'s partitions. */
    public long committedSince(Map<TopicPartition, Long> first) {
        Map<TopicPartition, Long> committed = committed();
        long sum = 0;
        for (Map.Entry<TopicPartition, Long> e : first.entrySet()) {
            sum += Math.max(0, committed.getOrDefault(e.getKey(), 0L) - e.getValue());
        }
        return sum;
    }

    @Override
    public void close() {
        admin.close();
    }
}
