package dev.engram.node.ingest;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka offsets stored in the case index's commit data, atomically with the cases they cover:
 * {@code "kafka.offset/engram.feedback/3" -> "1234"} means that everything of partition 3 before
 * offset 1234 is in the index. On assignment the consumer resumes from these offsets, not from the
 * group's committed ones, so a wiped or older index is rebuilt from the stream.
 */
public final class OffsetCommitData {

    static final String PREFIX = "kafka.offset/";

    private OffsetCommitData() {}

    /** The offsets recorded in a commit's data; keys that are not offsets are ignored. */
    public static Map<TopicPartition, Long> read(Map<String, String> commitData) {
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        if (commitData == null) {
            return offsets;
        }
        commitData.forEach((key, value) -> {
            if (!key.startsWith(PREFIX)) {
                return;
            }
            String rest = key.substring(PREFIX.length());
            int slash = rest.lastIndexOf('/');
            if (slash <= 0) {
                return;
            }
            try {
                offsets.put(
                        new TopicPartition(rest.substring(0, slash), Integer.parseInt(rest.substring(slash + 1))),
                        Long.parseLong(value));
            } catch (NumberFormatException e) {
                // written by something else: not ours to interpret
            }
        });
        return offsets;
    }

    /**
     * The commit data to write: {@code previous} (other keys kept) with the offsets of
     * {@code offsets} set.
     */
    public static Map<String, String> write(Map<String, String> previous, Map<TopicPartition, Long> offsets) {
        Map<String, String> data = new HashMap<>(previous == null ? Map.of() : previous);
        offsets.forEach((tp, offset) -> data.put(key(tp), Long.toString(offset)));
        return data;
    }

    /** {@code base} advanced by {@code next}: per partition the larger offset. */
    public static Map<TopicPartition, Long> advance(Map<TopicPartition, Long> base, Map<TopicPartition, Long> next) {
        Map<TopicPartition, Long> merged = new LinkedHashMap<>(base);
        next.forEach((tp, offset) -> merged.merge(tp, offset, Math::max));
        return merged;
    }

    static String key(TopicPartition tp) {
        return PREFIX + tp.topic() + "/" + tp.partition();
    }
}
