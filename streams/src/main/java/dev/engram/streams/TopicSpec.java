package dev.engram.streams;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * How one topic is to be created: its name, partition count, replication and topic-level configs
 * (Kafka's {@code TopicConfig} keys, e.g. {@code cleanup.policy}). {@link Topics#all()} holds
 * Engram's; {@link TopicAdmin#ensureTopics} creates them.
 *
 * @param name a legal Kafka topic name
 * @param partitions at least 1
 * @param replicationFactor at least 1, or {@link #BROKER_DEFAULT_REPLICATION} to use the
 *     cluster's {@code default.replication.factor}
 * @param configs topic-level configs; copied, never null
 */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {

    /** Leave the replication factor to the broker's {@code default.replication.factor}. */
    public static final short BROKER_DEFAULT_REPLICATION = -1;

    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public TopicSpec {
        if (name == null || !LEGAL_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("name: must be 1-249 of [a-zA-Z0-9._-] (and not '.' or '..'), was "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: must be >= 1 for topic " + name + ", was " + partitions);
        }
        if (replicationFactor < 1 && replicationFactor != BROKER_DEFAULT_REPLICATION) {
            throw new IllegalArgumentException(
                    "replicationFactor: must be >= 1 or BROKER_DEFAULT_REPLICATION (-1) for topic " + name + ", was "
                            + replicationFactor);
        }
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    /** This spec with another replication factor, e.g. 3 for a production cluster. */
    public TopicSpec withReplicationFactor(short replicationFactor) {
        return new TopicSpec(name, partitions, replicationFactor, configs);
    }

    /** The topic's {@code max.message.bytes}, or the broker default (1 MiB) when it sets none. */
    public int maxMessageBytes() {
        String value = configs.get("max.message.bytes");
        return value == null ? Topics.BROKER_DEFAULT_MAX_MESSAGE_BYTES : Integer.parseInt(value);
    }
}
