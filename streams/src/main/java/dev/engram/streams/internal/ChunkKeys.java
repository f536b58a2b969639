package dev.engram.streams.internal;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.Utils;

/**
 * The record keys of the continual-loop topics, built and parsed in one place.
 *
 * <pre>
 * engram.adapters        &lt;adapterName&gt;/v&lt;version&gt;                 header of one version
 *                        &lt;adapterName&gt;/v&lt;version&gt;/chunk-&lt;i&gt;       chunk i of its payload
 *                        &lt;adapterName&gt;/control                    the operator control in force
 * engram.training-jobs   &lt;tenant&gt;                                  a job, or the header of a chunked one
 *                        &lt;tenant&gt;/&lt;jobId&gt;/chunk-&lt;i&gt;              chunk i of a chunked job
 * </pre>
 *
 * <p>Adapter names, tenants and job ids contain no '/', so the layout parses unambiguously. All
 * records of one owner (adapter name or tenant) go to partition {@link #partitionFor}: the
 * partition Kafka's default partitioner picks for the owner alone as key.
 */
public final class ChunkKeys {

  private static final Pattern CHUNK = Pattern.compile("(.+)/chunk-(\\d{1,9})");
  private static final Pattern HEADER = Pattern.compile("([^/]+)/v(\\d{1,18})");
  private static final String CONTROL_SUFFIX = "/control";

  private ChunkKeys() {}

  /** {@code "<adapterName>/v<version>"}. */
  public static String adapterHeader(String adapterName, long version) {
    return adapterName + "/v" + version;
  }

  /** {@code "<adapterName>/control"}. */
  public static String adapterControl(String adapterName) {
    return adapterName + CONTROL_SUFFIX;
  }

  /** {@code "<tenant>/<jobId>"}: the chunk group of a chunked job. */
  public static String jobGroup(String tenant, String jobId) {
    return tenant + "/" + jobId;
  }

  /** {@code "<group>/chunk-<index>"}. */
  public static String chunk(String group, int index) {
    return group + "/chunk-" + index;
  }

  /** The partition for all records of {@code owner}: murmur2 of its UTF-8 bytes, as Kafka's default partitioner. */
  public static int partitionFor(String owner, int partitions) {
    return Utils.toPositive(Utils.murmur2(owner.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** The parsed key; {@link ChunkKey.Kind#UNKNOWN} for null or foreign keys. */
  public static ChunkKey parse(String key) {
    if (key == null || key.isEmpty()) {
      return new ChunkKey(ChunkKey.Kind.UNKNOWN, null, null, 0, -1);
    }
    Matcher chunk = CHUNK.matcher(key);
    if (chunk.matches()) {
      String group = chunk.group(1);
      Matcher header = HEADER.matcher(group);
      long version = header.matches() ? Long.parseLong(header.group(2)) : 0;
      return new ChunkKey(ChunkKey.Kind.CHUNK, group.substring(0, group.indexOf('/') < 0 ? group.length()
          : group.indexOf('/')), group, version, Integer.parseInt(chunk.group(2)));
    }
    Matcher header = HEADER.matcher(key);
    if (header.matches()) {
      return new ChunkKey(ChunkKey.Kind.ADAPTER_HEADER, header.group(1), key, Long.parseLong(header.group(2)), -1);
    }
    if (key.endsWith(CONTROL_SUFFIX) && key.indexOf('/') == key.length() - CONTROL_SUFFIX.length()) {
      return new ChunkKey(ChunkKey.Kind.CONTROL, key.substring(0, key.length() - CONTROL_SUFFIX.length()), null, 0, -1);
    }
    if (key.indexOf('/') < 0) {
      return new ChunkKey(ChunkKey.Kind.PLAIN, key, null, 0, -1);
    }
    return new ChunkKey(ChunkKey.Kind.UNKNOWN, null, null, 0, -1);
  }
}
