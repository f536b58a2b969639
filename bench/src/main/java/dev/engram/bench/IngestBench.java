package dev.engram.bench;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.ingest.FeedbackDecoder;
import dev.engram.node.ingest.IndexCommitPolicy;
import dev.engram.node.ingest.OffsetCommitData;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;

/**
 * End-to-end ingest rate (not a test; prints figures): feedback events from produce until every
 * one is searchable, through a real Kafka broker (the embedded KRaft broker, in this JVM) and a
 * real node (consumer thread → ingest actor → Lucene case store, index commits every
 * {@code --commit-interval-ms} or 10,000 records, each before the offset commit it allows), against
 * bare indexing of the same cases in the same run.
 *
 * <p>Events are made from the Cranfield abstracts (classpath {@code datasets/cranfield/}), cycled
 * to reach N, each with a distinct event id, title + abstract as the task, reward 1.0.
 *
 * <p>Baselines, both on the same Episodes / case texts, each into a fresh directory, one thread:
 * <ul>
 *   <li><b>bare store</b>: {@link LuceneCaseStore#ingest} of every episode, then one commit: the
 *       same store code the node runs (idempotency check, stored fields, statistics), without
 *       Kafka, actors or the node's commit protocol. The headline ratio is against this.</li>
 *   <li><b>raw Lucene</b>: a plain {@link IndexWriter} ({@link EnglishAnalyzer}, the case text as
 *       a {@link TextField} and the id as a {@link StringField}), {@code addDocument} for each,
 *       then one commit: the floor under any case store.</li>
 * </ul>
 * The baselines run first, after a warm-up (not timed) that also warms the JIT for the node's
 * store code. The end-to-end time starts at the first send (the node is already up, its topics
 * created) and stops when the node's durable index commit covers every produced offset (the node
 * stores the offsets in the commit data, atomically with the cases), confirmed by one
 * {@code store.count(tenant)} = N: every event is then durable and searchable. Cases are searchable
 * before that commit (the node's interval commit comes up to {@code --commit-interval-ms} after the
 * last batch; the wait costs wall-clock time, hardly any CPU). The bench does not
 * poll {@code count} on the way, since each store read refreshes the searcher (a small segment) and
 * would slow what it measures.
 *
 * <p>Each phase is reported as events per wall-clock second and as events per second of this
 * process's CPU time (all threads: for the end-to-end phase that includes the broker, the producer
 * and the node). The machine is shared, so wall-clock rates move with other people's load; the
 * CPU-based ratio is the steadier comparison of how much work one event costs.
 *
 * <pre>
 * bench/run IngestBench [--events 20000] [--warmup 2000] [--commit-interval-ms 1000]   (0: a commit per batch)
 * </pre>
 */
public final class IngestBench {

    private static final String TENANT = "bench";

    /** A phase's throughput: events per wall-clock second, and per second of this process's CPU time. */
    private record Rate(double wall, double cpu) {
        static Rate of(int events, long wallNanos, long cpuNanos) {
            return new Rate(events / (wallNanos / 1e9), events / (cpuNanos / 1e9));
        }

        String show() {
            return String.format(Locale.ROOT, "%,9.0f events/s  %,9.0f events/CPU-s", wall, cpu);
        }
    }

    public static void main(String[] args) throws Exception {
        int events = intArg(args, "--events", 20_000);
        int warmup = intArg(args, "--warmup", 2_000);
        int commitIntervalMs =
                intArg(args, "--commit-interval-ms", (int) IndexCommitPolicy.DEFAULT_INTERVAL.toMillis());
        List<Document> docs = CranfieldLoader.load().docs();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        List<FeedbackEvent> feedback = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            Document doc = docs.get(i % docs.size());
            String task = doc.fullText().isBlank() ? "(empty Cranfield record " + doc.id() + ")" : doc.fullText();
            feedback.add(FeedbackEvent.of(
                    "ingest-" + i, TENANT, "ingest-bench", t0.plusMillis(i), task, null, null, 1.0, List.of()));
        }
        List<Episode> episodes =
                feedback.stream().map(FeedbackDecoder::toEpisode).toList();
        System.out.printf(
                Locale.ROOT,
                "IngestBench: %,d feedback events from %,d Cranfield abstracts (distinct ids), "
                        + "%d cores, Java %s, heap %,d MB, load average %.1f%n",
                events,
                docs.size(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        Path root = Files.createTempDirectory("engram-ingest-bench");
        try {
            bareStore(root.resolve("warmup"), episodes.subList(0, Math.min(warmup, events)));
            rawLucene(root.resolve("warmup-raw"), episodes.subList(0, Math.min(warmup, events)));
            System.out.printf(Locale.ROOT, "  warm-up       %,d episodes through both baselines (not timed)%n", warmup);

            System.out.println(
                    "                  wall-clock          process CPU (all threads: broker, node, merges, GC)");
            Rate bare = bareStore(root.resolve("bare"), episodes);
            System.out.printf(
                    Locale.ROOT,
                    "  bare store    %s  LuceneCaseStore.ingest x %,d + one commit%n",
                    bare.show(),
                    events);
            int batch = NodeConfig.DEFAULT_MAX_BATCH_RECORDS;
            Rate batched = bareStore(root.resolve("bare-batched"), episodes, batch);
            System.out.printf(
                    Locale.ROOT,
                    "  bare, batched %s  the same, committing every %,d events (a node batch at most)%n",
                    batched.show(),
                    batch);
            Rate raw = rawLucene(root.resolve("raw"), episodes);
            System.out.printf(
                    Locale.ROOT,
                    "  raw Lucene    %s  IndexWriter.addDocument x %,d + one commit%n",
                    raw.show(),
                    events);

            Rate endToEnd = endToEnd(root.resolve("node"), feedback, Duration.ofMillis(commitIntervalMs));
            System.out.printf(
                    Locale.ROOT,
                    "%n  end to end / bare store = %.2f wall-clock, %.2f per CPU-second   (aim >= 0.50)%n",
                    endToEnd.wall() / bare.wall(),
                    endToEnd.cpu() / bare.cpu());
            System.out.printf(
                    Locale.ROOT,
                    "  end to end / bare store committing per batch = %.2f wall-clock, %.2f per CPU-second%n",
                    endToEnd.wall() / batched.wall(),
                    endToEnd.cpu() / batched.cpu());
            System.out.printf(
                    Locale.ROOT,
                    "  end to end / raw Lucene = %.2f wall-clock, %.2f per CPU-second%n",
                    endToEnd.wall() / raw.wall(),
                    endToEnd.cpu() / raw.cpu());
            System.out.printf(
                    Locale.ROOT,
                    "  load average at the end %.1f (a shared machine: rates are wall-clock)%n",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        } finally {
            delete(root);
        }
        System.exit(0); // Kafka and Pekko leave non-daemon threads behind on some paths
    }

    /** Events/s of LuceneCaseStore.ingest of every episode, then one commit. */
    private static Rate bareStore(Path dir, List<Episode> episodes) {
        return bareStore(dir, episodes, Integer.MAX_VALUE);
    }

    /** As {@link #bareStore(Path, List)}, committing after every {@code commitEvery} episodes too. */
    private static Rate bareStore(Path dir, List<Episode> episodes, int commitEvery) {
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        try (LuceneCaseStore store = LuceneCaseStore.open(dir, CaseStoreConfig.defaults())) {
            int sinceCommit = 0;
            for (Episode e : episodes) {
                store.ingest(e, null);
                if (++sinceCommit == commitEvery) {
                    store.commit();
                    sinceCommit = 0;
                }
            }
            store.commit();
            check(store.count(TENANT), episodes.size(), "bare store");
        } catch (IOException e) {
            throw new IllegalStateException("closing the bare store in " + dir + " failed", e);
        }
        return Rate.of(episodes.size(), System.nanoTime() - start, processCpuNanos() - cpu);
    }

    /** Events/s of a plain IndexWriter adding the same case texts, then one commit. */
    private static Rate rawLucene(Path dir, List<Episode> episodes) throws IOException {
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        try (FSDirectory fs = FSDirectory.open(dir);
                IndexWriter writer = new IndexWriter(fs, new IndexWriterConfig(new EnglishAnalyzer()))) {
            for (Episode e : episodes) {
                org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
                doc.add(new StringField("id", e.eventId(), Field.Store.YES));
                doc.add(new TextField("text", Case.text(e.task(), e.plan(), e.outcome()), Field.Store.YES));
                writer.addDocument(doc);
            }
            writer.commit();
            check(writer.getDocStats().numDocs, episodes.size(), "raw Lucene");
        }
        return Rate.of(episodes.size(), System.nanoTime() - start, processCpuNanos() - cpu);
    }

    /** Events/s from the first send until every event is searchable in a real node. */
    private static Rate endToEnd(Path dir, List<FeedbackEvent> events, Duration commitInterval)
            throws InterruptedException {
        long nodeStarting = System.nanoTime();
        try (EngramNode node = EngramNode.start(NodeConfig.builder(dir)
                .httpPort(0)
                .commitInterval(commitInterval)
                .build())) {
            System.out.printf(
                    Locale.ROOT,
                    "  node          up in %.1f s (embedded Kafka %s; index commits every %s or %,d records; not timed)%n",
                    (System.nanoTime() - nodeStarting) / 1e9,
                    node.bootstrapServers(),
                    commitInterval.isZero() ? "batch" : commitInterval.toMillis() + " ms",
                    node.config().commitMaxEvents());
            AtomicLong acked = new AtomicLong();
            AtomicReference<Exception> failure = new AtomicReference<>();
            Map<TopicPartition, Long> endOffsets = new ConcurrentHashMap<>();
            long ackedAt = 0;
            long cpu = processCpuNanos();
            long start = System.nanoTime();
            try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(node.bootstrapServers())) {
                for (FeedbackEvent e : events) {
                    producer.send(
                            new ProducerRecord<>(Topics.FEEDBACK, e.tenant(), EventCodec.encode(e)),
                            (metadata, error) -> {
                                if (error != null) {
                                    failure.compareAndSet(null, error);
                                } else {
                                    acked.incrementAndGet();
                                    endOffsets.merge(
                                            new TopicPartition(metadata.topic(), metadata.partition()),
                                            metadata.offset() + 1,
                                            Math::max);
                                }
                            });
                }
                producer.flush();
                ackedAt = System.nanoTime();
            }
            if (failure.get() != null) {
                throw new IllegalStateException("producing failed: " + failure.get(), failure.get());
            }
            // Done when the node's index commit covers every produced offset (it records them in the
            // commit data, atomically with the cases). Reading the commit data is free; reading the
            // store (count) refreshes its searcher, i.e. flushes a small segment, so it is done once,
            // at the end, to confirm that every event is searchable.
            long deadline = start + 600_000_000_000L;
            while (!covers(OffsetCommitData.read(node.store().committedData()), endOffsets)) {
                if (System.nanoTime() > deadline || !node.consuming()) {
                    throw new IllegalStateException("the node's index commit does not cover " + endOffsets
                            + " (consumer running: " + node.consuming() + ")");
                }
                Thread.sleep(2);
            }
            check(node.store().count(TENANT), events.size(), "the node's store");
            long searchableAt = System.nanoTime();
            Rate rate = Rate.of(events.size(), searchableAt - start, processCpuNanos() - cpu);
            System.out.printf(
                    Locale.ROOT,
                    "  end to end    %s  produce -> Kafka -> node -> searchable: %,d events in "
                            + "%.2f s, all acknowledged after %.2f s%n",
                    rate.show(),
                    events.size(),
                    (searchableAt - start) / 1e9,
                    (ackedAt - start) / 1e9);
            double batches = metric(node.metricsText(), "engram_ingest_batch_seconds_count");
            double batchSeconds = metric(node.metricsText(), "engram_ingest_batch_seconds_sum");
            double commits = metric(node.metricsText(), "engram_ingest_index_commit_seconds_count");
            double commitSeconds = metric(node.metricsText(), "engram_ingest_index_commit_seconds_sum");
            if (batches > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "                the node wrote %.0f batches, %.0f events per batch on average, %.0f ms "
                                + "from receipt to written on average; %.0f index commits, %.0f ms each on average%n",
                        batches,
                        events.size() / batches,
                        batchSeconds / batches * 1000,
                        commits,
                        commits > 0 ? commitSeconds / commits * 1000 : 0);
            }
            return rate;
        }
    }

    /** The value of a Prometheus sample (summed over its label sets), or -1 when absent. */
    private static double metric(String prometheusText, String name) {
        double sum = -1;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum = Math.max(sum, 0) + Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static boolean covers(Map<TopicPartition, Long> committed, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (committed.getOrDefault(e.getKey(), 0L) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static void check(long actual, int expected, String what) {
        if (actual != expected) {
            throw new IllegalStateException(what + " holds " + actual + " cases, expected " + expected);
        }
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }

    private static void delete(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
