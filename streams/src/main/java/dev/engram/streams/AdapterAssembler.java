package dev.engram.streams;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.streams.internal.ChunkBuffer;
import dev.engram.streams.internal.ChunkJson;
import dev.engram.streams.internal.ChunkRecord;
import dev.engram.streams.internal.ChunkedAdapterJson;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Turns the records of {@link Topics#ADAPTERS} (and of {@link Topics#TRAINING_PROGRESS}), fed in
 * offset order, back into events: an {@link AdapterPublished} only once its header and all its
 * chunks are there and the SHA-256 of the reassembled payload matches; operator controls; progress
 * reports. Anything broken (a missing or corrupted chunk, a wrong checksum, invalid JSON, a key
 * that does not fit {@link AdapterPublisher}'s layout) comes out as a {@link Delivery.Rejected}
 * with the reason, and nothing of it is delivered.
 *
 * <pre>{@code
 * AdapterAssembler assembler = new AdapterAssembler();
 * consumer.assign(adapterPartitions);
 * consumer.seekToBeginning(adapterPartitions);
 * while (running) {
 *   for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
 *     for (AdapterAssembler.Delivery d : assembler.accept(record)) {
 *       if (d instanceof AdapterAssembler.Delivery.Adapter a) {
 *         registry.offer(a.adapter());                       // complete and verified
 *       } else if (d instanceof AdapterAssembler.Delivery.Control c) {
 *         registry.apply(c.control());
 *       } else if (d instanceof AdapterAssembler.Delivery.Rejected r) {
 *         log.warn("adapter record {} at offset {} rejected: {}", r.key(), r.offset(), r.reason());
 *       }
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>The same version may be delivered more than once: each status change re-publishes it (the
 * latest delivery carries the current status), and a consumer that reads the topic again sees it
 * again. Chunks wait in memory until their header comes, up to a bound
 * ({@link #DEFAULT_MAX_PENDING_BYTES} by default): past it, the oldest waiting payloads are dropped
 * and reported as rejected. Tombstones (null values) are ignored. Not thread-safe: feed it from one
 * consumer thread.
 */
public final class AdapterAssembler {

    /** Default bound on chunk bytes waiting for their header: the largest payload plus 32 MiB. */
    public static final long DEFAULT_MAX_PENDING_BYTES = AdapterPublished.MAX_PAYLOAD_BYTES + 32L * 1024 * 1024;

    /** What {@link #accept} yields. */
    public sealed interface Delivery {

        /** The topic offset of the record that completed it. */
        long offset();

        /** A complete adapter version whose payload checksum matched. */
        record Adapter(AdapterPublished adapter, long offset) implements Delivery {}

        /** An operator control. */
        record Control(AdapterControl control, long offset) implements Delivery {}

        /** A training progress report. */
        record Progress(TrainingProgress progress, long offset) implements Delivery {}

        /**
         * A record (or the payload a header stands for) that could not be used, and why.
         *
         * @param topic where it was read
         * @param partition its partition
         * @param offset its offset (for dropped chunks, the first one's)
         * @param key its key (for dropped chunks, their group, e.g. {@code "acme-retriever/v3"})
         * @param reason what is wrong, for people
         */
        record Rejected(String topic, int partition, long offset, String key, String reason) implements Delivery {}
    }

    private final ChunkBuffer chunks;

    /** An assembler with {@link #DEFAULT_MAX_PENDING_BYTES}. */
    public AdapterAssembler() {
        this(DEFAULT_MAX_PENDING_BYTES);
    }

    /** An assembler that holds at most {@code maxPendingBytes} of chunks waiting for their header. */
    public AdapterAssembler(long maxPendingBytes) {
        this.chunks = new ChunkBuffer(maxPendingBytes);
    }

    /** Feeds one record; returns what it completes (often nothing, for a chunk). */
    public List<Delivery> accept(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return List.of();
        }
        try {
            if (record.topic().equals(Topics.TRAINING_PROGRESS)) {
                return List.of(
                        new Delivery.Progress(ContinualCodec.decodeTrainingProgress(record.value()), record.offset()));
            }
            AdapterKey key = AdapterKey.parse(record.key());
            switch (key.kind()) {
                case CHUNK:
                    return chunk(record, key);
                case CONTROL:
                    AdapterControl control = ContinualCodec.decodeAdapterControl(record.value());
                    if (!control.adapterName().equals(key.adapterName())) {
                        return reject(
                                record,
                                "the control names adapter '" + control.adapterName() + "' but its key is for '"
                                        + key.adapterName() + "'");
                    }
                    return List.of(new Delivery.Control(control, record.offset()));
                default:
                    return header(record, key);
            }
        } catch (InvalidEventException e) {
            return reject(record, e.getMessage());
        }
    }

    /** Bytes of chunks now waiting for their header. */
    public long pendingChunkBytes() {
        return chunks.pendingBytes();
    }

    private List<Delivery> chunk(ConsumerRecord<String, byte[]> record, AdapterKey key) {
        ChunkRecord chunk = ChunkJson.read(record.value(), ChunkRecord.class);
        if (chunk.index() != key.chunk()) {
            return reject(record, "the chunk says index " + chunk.index() + " but its key says " + key.chunk());
        }
        List<Delivery> out = new ArrayList<>();
        for (ChunkBuffer.Dropped d : chunks.add(
                new TopicPartition(record.topic(), record.partition()),
                record.offset(),
                key.versionKey().toString(),
                chunk)) {
            out.add(new Delivery.Rejected(
                    record.topic(), d.partition().partition(), d.firstOffset(), d.group(), d.reason()));
        }
        return out;
    }

    private List<Delivery> header(ConsumerRecord<String, byte[]> record, AdapterKey key) {
        JsonNode tree = ChunkJson.parse(record.value());
        AdapterPublished adapter;
        if (ChunkedAdapterJson.isChunked(tree)) {
            ChunkJson.checkSchemaVersion(tree, AdapterPublished.SCHEMA_VERSION);
            ChunkBuffer.Assembly assembly = chunks.take(
                    key.toString(),
                    ChunkedAdapterJson.payloadSha256(tree),
                    ChunkedAdapterJson.chunkCount(tree),
                    ChunkedAdapterJson.payloadSize(tree));
            if (!assembly.ok()) {
                return reject(record, "adapter " + key + " not delivered: " + assembly.failure());
            }
            adapter = ChunkedAdapterJson.fromTree(tree, assembly.payload());
        } else {
            adapter = ChunkedAdapterJson.fromTree(tree, null);
        }
        if (!adapter.key().equals(record.key())) {
            return reject(record, "the header is for " + adapter.key() + " but its key is " + record.key());
        }
        return List.of(new Delivery.Adapter(adapter, record.offset()));
    }

    private static List<Delivery> reject(ConsumerRecord<String, byte[]> record, String reason) {
        return List.of(
                new Delivery.Rejected(record.topic(), record.partition(), record.offset(), record.key(), reason));
    }
}
