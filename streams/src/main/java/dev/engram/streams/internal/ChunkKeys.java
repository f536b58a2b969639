package dev.engram.streams.internal;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.Utils;

/**
 * The record keys of {@code engram.training-jobs}, built and parsed in one place, and the partition
 * of every record of one owner on the continual-loop topics.
 *
 * <pre>
 * engram.training-jobs   &lt;tenant&gt;                                  a job, or the header of a chunked one
 *                        &lt;tenant&gt;/&lt;jobId&gt;/chunk-&lt;i&gt;              chunk i of a chunked job
 * </pre>
 *
 * <p>The keys of {@code engram.adapters} are {@link dev.engram.streams.AdapterKey}s. Tenants and job
 * ids contain no '/', so the layout parses unambiguously. All records of one owner (adapter name or
 * tenant) go to partition {@link #partitionFor}: the partition Kafka's default partitioner picks
 * for the owner alone as key.
 */
public final class ChunkKeys {

    private static final Pattern CHUNK = Pattern.compile("(.+)/chunk-(\\d{1,9})");

    private ChunkKeys() {}

    /** {@code "<tenant>/<jobId>"}: the chunk group of a chunked job. */
    public static String jobGroup(String tenant, String jobId) {
        return tenant + "/" + jobId;
    }

    /** {@code "<group>/chunk-<index>"}: chunk {@code index} of a chunked job. */
    public static String chunk(String group, int index) {
        return group + "/chunk-" + index;
    }

    /** The partition for all records of {@code owner}: murmur2 of its UTF-8 bytes, as Kafka's default partitioner. */
    public static int partitionFor(String owner, int partitions) {
        return Utils.toPositive(Utils.murmur2(owner.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The parsed key of a training-jobs record; {@link ChunkKey.Kind#UNKNOWN} for null or foreign keys. */
    public static ChunkKey parse(String key) {
        if (key == null || key.isEmpty()) {
            return new ChunkKey(ChunkKey.Kind.UNKNOWN, null, null, -1);
        }
        Matcher chunk = CHUNK.matcher(key);
        if (chunk.matches()) {
            String group = chunk.group(1);
            int slash = group.indexOf('/');
            return new ChunkKey(
                    ChunkKey.Kind.CHUNK,
                    slash < 0 ? group : group.substring(0, slash),
                    group,
                    Integer.parseInt(chunk.group(2)));
        }
        if (key.indexOf('/') < 0) {
            return new ChunkKey(ChunkKey.Kind.PLAIN, key, null, -1);
        }
        return new ChunkKey(ChunkKey.Kind.UNKNOWN, null, null, -1);
    }
}
