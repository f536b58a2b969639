package dev.engram.streams.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Chunks waiting for their header, grouped by (chunk group, payload checksum), with a bound on the
 * bytes held: when a new chunk would pass it, the oldest groups are dropped whole (and reported),
 * so orphans left by a failed publisher cannot grow memory without limit. Not thread-safe.
 */
public final class ChunkBuffer {

    /** A group dropped before its header came, with why. */
    public record Dropped(String group, TopicPartition partition, long firstOffset, String reason) {}

    /** The outcome of {@link #take}: the payload, or why there is none. */
    public record Assembly(byte[] payload, String failure) {
        /** Whether the payload is complete and verified. */
        public boolean ok() {
            return failure == null;
        }
    }

    private record GroupId(String group, String sha) {}

    private static final class Pending {
        final TopicPartition partition;
        final long firstOffset;
        final int count;
        final TreeMap<Integer, byte[]> chunks = new TreeMap<>();
        long bytes;

        Pending(TopicPartition partition, long firstOffset, int count) {
            this.partition = partition;
            this.firstOffset = firstOffset;
            this.count = count;
        }
    }

    private final long maxBytes;
    private final LinkedHashMap<GroupId, Pending> pending = new LinkedHashMap<>();
    private long bytes;

    /** A buffer that holds at most {@code maxBytes} of chunk content. */
    public ChunkBuffer(long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxPendingBytes: must be >= 1, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** Adds a chunk read at {@code offset}; returns the groups dropped to make room (usually none). */
    public List<Dropped> add(TopicPartition partition, long offset, String group, ChunkRecord chunk) {
        List<Dropped> dropped = new ArrayList<>();
        GroupId id = new GroupId(group, chunk.payloadSha256());
        Pending p = pending.get(id);
        if (p != null && p.count != chunk.count()) {
            // The same payload cut differently (a re-publish with another chunk size): start over.
            remove(id);
            p = null;
        }
        int size = chunk.bytes().length;
        if (size > maxBytes) {
            dropped.add(new Dropped(
                    group,
                    partition,
                    offset,
                    "chunk " + chunk.index() + " of " + chunk.count() + " alone is " + size
                            + " bytes, over the pending-chunk budget of " + maxBytes + " bytes"));
            if (p != null) {
                remove(id);
            }
            return dropped;
        }
        byte[] replaced = p == null ? null : p.chunks.get(chunk.index());
        long needed = size - (replaced == null ? 0 : replaced.length);
        Iterator<Map.Entry<GroupId, Pending>> oldest = pending.entrySet().iterator();
        while (bytes + needed > maxBytes && oldest.hasNext()) {
            Map.Entry<GroupId, Pending> e = oldest.next();
            if (e.getKey().equals(id)) {
                continue;
            }
            Pending victim = e.getValue();
            oldest.remove();
            bytes -= victim.bytes;
            dropped.add(new Dropped(
                    e.getKey().group(),
                    victim.partition,
                    victim.firstOffset,
                    victim.chunks.size()
                            + " of " + victim.count + " chunks (" + victim.bytes + " bytes) of payload "
                            + e.getKey().sha().substring(0, 12)
                            + "… dropped: no header arrived before the pending-chunk budget of "
                            + maxBytes + " bytes ran out (a publisher probably failed mid-way)"));
        }
        if (bytes + needed > maxBytes) {
            dropped.add(new Dropped(
                    group,
                    partition,
                    offset,
                    "payload " + chunk.payloadSha256().substring(0, 12)
                            + "… needs more than the pending-chunk budget of " + maxBytes
                            + " bytes; raise it to assemble it"));
            if (p != null) {
                remove(id);
            }
            return dropped;
        }
        if (p == null) {
            p = new Pending(partition, offset, chunk.count());
            pending.put(id, p);
        }
        p.chunks.put(chunk.index(), chunk.bytes());
        p.bytes += needed;
        bytes += needed;
        return dropped;
    }

    /**
     * Removes the group's chunks and returns the payload they make, or why they make none: missing
     * chunks, another count, another size, or another checksum than the header says. Chunks of the
     * group with other checksums (stale ones from an earlier publish) are dropped too.
     */
    public Assembly take(String group, String sha256, int count, long size) {
        Pending p = remove(new GroupId(group, sha256));
        List<String> otherShas = new ArrayList<>();
        pending.entrySet().removeIf(e -> {
            if (e.getKey().group().equals(group)) {
                bytes -= e.getValue().bytes;
                otherShas.add(e.getKey().sha());
                return true;
            }
            return false;
        });
        if (p == null && !otherShas.isEmpty()) {
            return new Assembly(
                    null,
                    "checksum mismatch: the header says payload SHA-256 " + sha256
                            + " but the chunks before it are of payload " + otherShas);
        }
        if (p == null) {
            return new Assembly(
                    null,
                    "none of its " + count + " chunks arrived before the header (payload " + sha256.substring(0, 12)
                            + "…): they were lost, compacted away, or never written");
        }
        if (p.count != count) {
            return new Assembly(null, "the header says " + count + " chunks but the chunks say " + p.count);
        }
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < count && missing.size() < 20; i++) {
            if (!p.chunks.containsKey(i)) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            return new Assembly(
                    null,
                    "missing chunk(s) " + missing + " of " + count + " (have " + p.chunks.size()
                            + "): they were lost, compacted away, or never written");
        }
        if (p.bytes != size) {
            return new Assembly(
                    null, "the header says " + size + " payload bytes but the " + count + " chunks hold " + p.bytes);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
        p.chunks.values().forEach(b -> out.write(b, 0, b.length));
        byte[] payload = out.toByteArray();
        String actual = ChunkRecord.sha256Hex(payload);
        if (!actual.equals(sha256)) {
            return new Assembly(
                    null,
                    "checksum mismatch: the header says SHA-256 " + sha256 + " but the " + count
                            + " reassembled chunks hash to " + actual + " (a chunk was corrupted)");
        }
        return new Assembly(payload, null);
    }

    /** The lowest offset of a chunk still waiting in {@code partition}, if any. */
    public OptionalLong earliestOffset(TopicPartition partition) {
        return pending.values().stream()
                .filter(p -> p.partition.equals(partition))
                .mapToLong(p -> p.firstOffset)
                .min();
    }

    /** Drops every chunk read from these partitions (e.g. after a rebalance revoked them). */
    public void forget(Collection<TopicPartition> partitions) {
        pending.values().removeIf(p -> {
            if (partitions.contains(p.partition)) {
                bytes -= p.bytes;
                return true;
            }
            return false;
        });
    }

    /** Bytes of chunk content held now. */
    public long pendingBytes() {
        return bytes;
    }

    private Pending remove(GroupId id) {
        Pending p = pending.remove(id);
        if (p != null) {
            bytes -= p.bytes;
        }
        return p;
    }
}
