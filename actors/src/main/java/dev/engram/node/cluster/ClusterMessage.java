package dev.engram.node.cluster;

/**
 * What one node sends another: serialized as JSON by Pekko's Jackson serializer (bound to this
 * interface in the cluster settings), never by Java serialization.
 */
public interface ClusterMessage {}
