package dev.engram.node.cluster;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.sharding.external.javadsl.ExternalShardAllocationClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions of the feedback topic this node owns, told by its consumer's rebalance listener,
 * and shared with the cluster as the shard locations of {@link PartitionEntity} (external shard
 * allocation, kept in Pekko Distributed Data): when Kafka assigns a partition to this node, the
 * partition's shard is placed here, so that recalls for its tenants reach the node with their cases.
 *
 * <p>Revoking a partition only forgets it here: its next owner moves the shard when Kafka assigns
 * it. {@link #refresh()} (every second) reads the shared locations for {@code /health} and places
 * again a shard whose location does not name this node although this node owns its partition (a
 * placement that failed, or one written before a concurrent one).
 */
public final class PartitionOwnership implements ConsumerRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(PartitionOwnership.class);

    private final String topic;
    private final ExternalShardAllocationClient allocation;
    private final Address self;
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private volatile Map<Integer, String> owners = Map.of();

    PartitionOwnership(String topic, ExternalShardAllocationClient allocation, Address self) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.allocation = Objects.requireNonNull(allocation, "allocation");
        this.self = Objects.requireNonNull(self, "self");
    }

    /** Whether Kafka assigned {@code partition} to this node's consumer. */
    public boolean owns(int partition) {
        return owned.contains(partition);
    }

    /** The partitions this node owns, in order. */
    public List<Integer> owned() {
        return owned.stream().sorted().toList();
    }

    /** Partition → the cluster address of its owner, as the cluster last told this node. */
    public Map<Integer, String> owners() {
        return owners;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        Map<String, Address> placed = new HashMap<>();
        for (TopicPartition tp : partitions) {
            if (tp.topic().equals(topic)) {
                owned.add(tp.partition());
                placed.put(String.valueOf(tp.partition()), self);
            }
        }
        if (!placed.isEmpty()) {
            place(placed);
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        forget(partitions);
    }

    /** Reads the shared locations and places again the shards of owned partitions that name another node. */
    void refresh() {
        allocation.getShardLocations().whenComplete((locations, failure) -> {
            if (failure != null) {
                log.debug("could not read the partitions' locations: {}", failure.toString());
                return;
            }
            Map<Integer, String> now = new TreeMap<>();
            locations
                    .getShardLocations()
                    .forEach((shard, location) ->
                            now.put(Integer.parseInt(shard), location.address().toString()));
            owners = Map.copyOf(now);
            Map<String, Address> misplaced = new HashMap<>();
            for (int partition : owned) {
                if (!self.toString().equals(now.get(partition))) {
                    misplaced.put(String.valueOf(partition), self);
                }
            }
            if (!misplaced.isEmpty()) {
                place(misplaced);
            }
        });
    }

    private void forget(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            if (tp.topic().equals(topic)) {
                owned.remove(tp.partition());
            }
        }
    }

    private void place(Map<String, Address> shards) {
        allocation.setShardLocations(shards).whenComplete((done, failure) -> {
            if (failure != null) {
                log.warn(
                        "could not place partitions {} on {} (retried within a second): {}",
                        shards.keySet(),
                        self,
                        failure.toString());
            } else {
                log.info("partitions {} of {} placed on {}", new TreeMap<>(shards).keySet(), topic, self);
            }
        });
    }
}
