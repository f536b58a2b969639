package dev.engram.node.ingest;

import dev.engram.memory.Embedder;
import dev.engram.node.auth.NodeKey;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.CaseVector;
import dev.engram.streams.CaseVectorSignature;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedNodeKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vector changelog on {@link Topics#CASE_VECTORS}: each vector the node computes is published
 * under {@code tenant/caseId} to the partition of its tenant (as {@code engram.feedback} places the
 * tenant's events), and cases looking for a vector are found by reading their tenant's partition
 * forward from where the last look stopped, as far as they need and no further than its end.
 *
 * <p>A record on a topic is a trust boundary: a record is used only when it names this node's
 * document encoder ({@link Embedder#documentVectorId()}), the case's current text (SHA-256), this
 * node's dimension, every value is finite, and a trusted node key signed it all
 * ({@link CaseVectorSignature}: this node's own, and those given with {@code --trusted-nodes}); the
 * node signs every record it publishes with its {@link NodeKey}. The text is no secret, so only the
 * signature tells a vector a node computed from one written by whoever else can write the topic.
 * Anything else (unreadable, unsigned, signed by a key not trusted here or altered since, other
 * encoder, other text, other dimension, NaN) is counted in {@link #refused()} with a WARN (one line
 * per look), and that case is embedded as if there were no changelog: a bad record costs one case
 * its shortcut, never its partition. A record of another encoder or dimension, or whose signature
 * is not trusted, is refused as it is read, so it never displaces a usable record of the same case
 * read before it.
 *
 * <p>Memory is bounded: records read ahead of the cases that need them are held up to
 * {@code maxHeld} (the oldest are dropped first). During a takeover the changelog runs in the same
 * order as the feedback that is replayed, so little is held; a case looked up after its record was
 * dropped is embedded. Records this node published itself are skipped when read back (it holds
 * their vectors already). Used by one thread, the {@link VectorBackfill}'s; {@link #record} may be
 * called from any.
 */
public final class KafkaVectorChangelog implements VectorChangelog {

    private static final Logger log = LoggerFactory.getLogger(KafkaVectorChangelog.class);
    /** How long one look may read before its remaining cases are embedded instead. */
    private static final Duration READ_BUDGET = Duration.ofSeconds(10);

    private static final Duration POLL = Duration.ofMillis(200);
    /** Keys published and not yet read back, at most (the read-back skip is an optimisation only). */
    private static final int MAX_OWN_KEYS = 100_000;

    private final Producer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final String encoder;
    private final int dimension;
    private final NodeKey signer;
    private final TrustedNodeKeys trusted;
    private final int maxHeld;
    private final int partitions;
    /** Next offset to read, by changelog partition (absent: its beginning). */
    private final Map<Integer, Long> positions = new HashMap<>();
    /** Records read and not yet used, by key, oldest first. */
    private final LinkedHashMap<String, CaseVector> held;
    /** Keys this node published and has not read back yet (then skipped). */
    private final Set<String> ownKeys = new LinkedHashSet<>();

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong publishFailed = new AtomicLong();
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final java.util.concurrent.ConcurrentHashMap<String, AtomicLong> refusedByTenant =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Refusals in the look under way, and what the first was (the backfill thread's only). */
    private int refusedInLook;

    private String firstRefusal;

    /**
     * @param embedder the node's embedder: its {@link Embedder#documentVectorId()} and dimension
     *     are what a record must carry to be used
     * @param signer the node's key: it signs every record published, and is trusted
     * @param trustedNodes the other node keys whose records are used (the cluster's nodes, {@code
     *     --trusted-nodes}); a record signed by any other key is refused and its case embedded
     * @param maxHeld records read ahead held at most
     */
    public static KafkaVectorChangelog open(
            KafkaConnection kafka, Embedder embedder, NodeKey signer, TrustedNodeKeys trustedNodes, int maxHeld) {
        KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka);
        try {
            return new KafkaVectorChangelog(
                    producer, KafkaClientFactory.consumer(kafka, null), embedder, signer, trustedNodes, maxHeld);
        } catch (RuntimeException e) {
            producer.close();
            throw e;
        }
    }

    private KafkaVectorChangelog(
            Producer<String, byte[]> producer,
            KafkaConsumer<String, byte[]> consumer,
            Embedder embedder,
            NodeKey signer,
            TrustedNodeKeys trustedNodes,
            int maxHeld) {
        this.producer = producer;
        this.consumer = consumer;
        this.encoder = embedder.documentVectorId();
        this.dimension = embedder.dimension();
        this.signer = Objects.requireNonNull(signer, "signer");
        this.trusted = Objects.requireNonNull(trustedNodes, "trustedNodes").with(signer.publicKey());
        if (maxHeld < 1) {
            throw new IllegalArgumentException("maxHeld must be positive, was " + maxHeld);
        }
        this.maxHeld = maxHeld;
        this.held = new LinkedHashMap<>();
        int partitions =
                consumer.partitionsFor(Topics.CASE_VECTORS, READ_BUDGET).size();
        if (partitions == 0) {
            throw new IllegalStateException("topic " + Topics.CASE_VECTORS + " not found: create Engram's topics first"
                    + " (a node does at start, TopicAdmin.ensureTopics)");
        }
        this.partitions = partitions;
    }

    @Override
    public void record(CaseText c, float[] vector) {
        CaseVector v;
        try {
            v = signer.signVector(c.tenant(), c.caseId(), encoder, c.text(), vector);
        } catch (InvalidEventException e) {
            log.warn("the vector of case {} is not recorded: {}", c.key(), e.getMessage());
            return;
        }
        synchronized (ownKeys) {
            ownKeys.add(v.key());
            if (ownKeys.size() > MAX_OWN_KEYS) {
                ownKeys.remove(ownKeys.iterator().next());
            }
        }
        try {
            producer.send(
                    new ProducerRecord<>(
                            Topics.CASE_VECTORS, partitionOf(c.tenant()), v.key(), ContinualCodec.encode(v)),
                    (metadata, failure) -> {
                        if (failure == null) {
                            published.incrementAndGet();
                        } else {
                            publishFailed.incrementAndGet();
                            log.warn("recording the vector of case {} failed: {}", v.key(), failure.toString());
                        }
                    });
        } catch (KafkaException e) {
            publishFailed.incrementAndGet();
            log.warn("recording the vector of case {} failed: {}", v.key(), e.toString());
        }
    }

    @Override
    public Map<String, float[]> recorded(List<CaseText> cases) {
        refusedInLook = 0;
        Map<String, float[]> found = new HashMap<>();
        Map<Integer, List<CaseText>> byPartition = new LinkedHashMap<>();
        for (CaseText c : cases) {
            byPartition
                    .computeIfAbsent(partitionOf(c.tenant()), p -> new ArrayList<>())
                    .add(c);
        }
        long deadline = System.nanoTime() + READ_BUDGET.toNanos();
        byPartition.forEach((partition, wanted) -> {
            try {
                readUntilHeld(partition, wanted, deadline);
            } catch (KafkaException | IllegalStateException e) {
                log.warn(
                        "reading {}-{} failed ({}); embedding its cases instead",
                        Topics.CASE_VECTORS,
                        partition,
                        e.toString());
            }
            for (CaseText c : wanted) {
                CaseVector v = held.remove(c.key());
                if (v != null) {
                    float[] usable = usable(v, c);
                    if (usable != null) {
                        found.put(c.key(), usable);
                    }
                }
            }
        });
        used.addAndGet(found.size());
        if (refusedInLook > 0) {
            // one line per look, not per record: an encoder changed on every node refuses them all
            log.warn(
                    "{} recorded vector(s) of {} not used, their cases are embedded instead; the first: {}",
                    refusedInLook,
                    Topics.CASE_VECTORS,
                    firstRefusal);
        }
        return found;
    }

    /** Reads the partition forward until every wanted case has a record held, or its end. */
    private void readUntilHeld(int partition, List<CaseText> wanted, long deadline) {
        if (wanted.stream().allMatch(c -> held.containsKey(c.key()))) {
            return;
        }
        TopicPartition tp = new TopicPartition(Topics.CASE_VECTORS, partition);
        long end = consumer.endOffsets(List.of(tp), READ_BUDGET).get(tp);
        Long position = positions.get(partition);
        if (position == null) {
            position = consumer.beginningOffsets(List.of(tp), READ_BUDGET).get(tp);
        }
        if (position >= end) {
            return;
        }
        consumer.assign(List.of(tp));
        consumer.seek(tp, position);
        while (consumer.position(tp) < end && !wanted.stream().allMatch(c -> held.containsKey(c.key()))) {
            if (System.nanoTime() > deadline) {
                log.warn(
                        "{} not read to offset {} within {} (at {}); embedding the cases not found",
                        tp,
                        end,
                        READ_BUDGET,
                        consumer.position(tp));
                break;
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                hold(r);
            }
            positions.put(partition, consumer.position(tp));
        }
        positions.put(partition, consumer.position(tp));
    }

    private void hold(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null || r.value() == null) {
            return; // a tombstone, or a record a node can do nothing with
        }
        synchronized (ownKeys) {
            if (ownKeys.remove(r.key())) {
                return;
            }
        }
        CaseVector v;
        try {
            v = ContinualCodec.decodeCaseVector(r.value());
        } catch (InvalidEventException e) {
            refuse(r.key(), "is unreadable (offset " + r.offset() + "): " + e.getMessage());
            return;
        }
        if (!v.key().equals(r.key())) {
            refuse(r.key(), "names another case, " + v.key());
            return;
        }
        if (!v.encoder().equals(encoder)) {
            // never usable here; kept out of the way of a usable record of the same case
            refuse(r.key(), "was made by encoder '" + v.encoder() + "', this node embeds with '" + encoder + "'");
            return;
        }
        if (v.dimension() != dimension) {
            refuse(r.key(), "has " + v.dimension() + " dimensions, this node's vectors " + dimension);
            return;
        }
        AdapterSignature.Check signature = CaseVectorSignature.verify(v, trusted);
        if (!signature.trusted()) {
            // checked as it is read too: a forgery appended after a node's record must not displace it
            refuse(r.key(), signature.reason());
            return;
        }
        held.remove(v.key());
        held.put(v.key(), v);
        if (held.size() > maxHeld) {
            held.remove(held.keySet().iterator().next());
        }
    }

    /** The record's values when they were made for {@code c}'s text, else null (refused). */
    private float[] usable(CaseVector v, CaseText c) {
        if (!v.textSha256().equals(CaseVector.textSha256(c.text()))) {
            return refuse(c.key(), "was made for another text (SHA-256 " + v.textSha256() + ")");
        }
        return v.values();
    }

    private float[] refuse(String key, String why) {
        refused.incrementAndGet();
        int slash = key.indexOf('/');
        refusedByTenant
                .computeIfAbsent(slash < 0 ? "" : key.substring(0, slash), t -> new AtomicLong())
                .incrementAndGet();
        if (refusedInLook++ == 0) {
            firstRefusal = "case " + key + " " + why;
        }
        return null;
    }

    /**
     * The changelog partition of a tenant: the producer's choice for a record keyed by the tenant
     * alone, as {@code engram.feedback} places the tenant's events ({@code cluster.TenantPartitioner}).
     */
    private int partitionOf(String tenant) {
        return Utils.toPositive(Utils.murmur2(tenant.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Vectors published since start (acknowledged by the broker). */
    public long published() {
        return published.get();
    }

    /** Vectors that could not be published (the case keeps its vector; a new owner would embed it). */
    public long publishFailed() {
        return publishFailed.get();
    }

    /** Recorded vectors used instead of embedding, since start. */
    public long used() {
        return used.get();
    }

    /**
     * Records refused (unreadable, unsigned, not signed by a trusted node key or altered since,
     * another encoder, text or dimension), since start.
     */
    public long refused() {
        return refused.get();
    }

    /**
     * Records of {@code tenant}'s cases refused since start (a changelog partition holds the
     * records of every tenant that hashes to it; the others' count in {@link #refused()} only).
     */
    public long refused(String tenant) {
        AtomicLong n = refusedByTenant.get(tenant);
        return n == null ? 0 : n.get();
    }

    /** Waits for what was published to be acknowledged (for tests and a clean stop). */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(10));
        } finally {
            consumer.close();
        }
    }

    @Override
    public String toString() {
        return "KafkaVectorChangelog[" + encoder + ", " + dimension + " dims, " + held.size() + " held]";
    }
}
