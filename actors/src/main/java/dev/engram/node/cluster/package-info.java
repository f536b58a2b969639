/**
 * Many nodes as one Pekko cluster: each node owns the partitions of {@code engram.feedback} that
 * Kafka assigned to its consumer, and any node answers any tenant's recall by routing it to the
 * owner of the tenant's partition.
 *
 * <p>{@link dev.engram.node.cluster.ClusterConfig} (off by default: a single node runs without
 * Pekko Cluster), {@link dev.engram.node.cluster.NodeCluster} (joins the cluster and starts Cluster
 * Sharding with one entity per partition, placed by external shard allocation from the consumer's
 * rebalance listener, {@link dev.engram.node.cluster.PartitionOwnership}), and
 * {@link dev.engram.node.cluster.ClusterRecall} (the route: local when this node owns the partition,
 * else through the partition's entity on its owner).
 */
package dev.engram.node.cluster;
