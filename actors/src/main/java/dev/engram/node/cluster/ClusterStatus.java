package dev.engram.node.cluster;

import java.util.List;
import java.util.Map;

/**
 * The cluster as one node sees it, for {@code /health}.
 *
 * <pre>{@code
 * {"self": "pekko://engram@127.0.0.1:25520", "members": ["pekko://engram@127.0.0.1:25520 Up", ...],
 *  "ownedPartitions": [0, 2], "partitionOwners": {"0": "pekko://engram@127.0.0.1:25520", "1": ...}}
 * }</pre>
 *
 * @param self this node's cluster address
 * @param members every member with its status ({@code Up}, {@code Joining}, {@code Leaving}, ...)
 * @param ownedPartitions the partitions of {@code engram.feedback} this node's consumer owns
 * @param partitionOwners partition → the address of the node its recalls are routed to
 */
public record ClusterStatus(
        String self, List<String> members, List<Integer> ownedPartitions, Map<String, String> partitionOwners) {

    public ClusterStatus {
        members = List.copyOf(members);
        ownedPartitions = List.copyOf(ownedPartitions);
        partitionOwners = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(partitionOwners));
    }
}
