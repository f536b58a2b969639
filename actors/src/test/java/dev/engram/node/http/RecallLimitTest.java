package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Embedder;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.HashingEmbedder;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recall's bound: a node that may run one recall at once answers a second one, while the first is
 * held inside the embedder, with 429 and {@code Retry-After} at once, and serves again once the
 * first is done. Ingest's embedding and recall's run on dispatchers of their own.
 */
class RecallLimitTest {

    private static final String TENANT = TestIds.unique("limit");
    private static final GatedEmbedder EMBEDDER =
            new GatedEmbedder(new HashingEmbedder(CaseStoreConfig.DEFAULT_VECTOR_DIMENSION));
    private static EngramNode node;

    @TempDir
    static Path dataDir;

    /** Holds queries while closed; records the threads documents and queries are embedded on. */
    static final class GatedEmbedder implements Embedder {
        final Embedder inner;
        final Set<String> queryThreads = ConcurrentHashMap.newKeySet();
        final Set<String> documentThreads = ConcurrentHashMap.newKeySet();
        final AtomicInteger held = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);

        GatedEmbedder(Embedder inner) {
            this.inner = inner;
        }

        @Override
        public String modelId() {
            return inner.modelId();
        }

        @Override
        public int dimension() {
            return inner.dimension();
        }

        @Override
        public float[] embedQuery(String text) {
            queryThreads.add(Thread.currentThread().getName());
            CountDownLatch g = gate;
            if (g.getCount() > 0) {
                held.incrementAndGet();
                try {
                    if (!g.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never opened the gate");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                } finally {
                    held.decrementAndGet();
                }
            }
            return inner.embedQuery(text);
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            documentThreads.add(Thread.currentThread().getName());
            return inner.embedDocuments(texts);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        node = EngramNode.start(NodeConfig.builder(dataDir.resolve("node"))
                .bootstrapServers(SharedKafka.bootstrapServers())
                .groupId(TestIds.unique("limit"))
                .httpPort(0)
                .embedder(EMBEDDER)
                .maxConcurrentRecalls(1)
                .tuning(TuningSchedulerConfig.disabled())
                .build());
        FeedbackEvent e = FeedbackEvent.of(
                TENANT + "-1",
                TENANT,
                "agent",
                Instant.parse("2026-01-01T00:00:00Z"),
                "rotate the signing keys",
                "rotated them",
                "done",
                0.9,
                null);
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers())) {
            producer.send(new ProducerRecord<>(Topics.FEEDBACK, TENANT, EventCodec.encode(e)))
                    .get(30, TimeUnit.SECONDS);
        }
        Await.until(
                "the case stored", Duration.ofSeconds(60), () -> node.store().count(TENANT) == 1);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** Calls with the node's admin key (created on its first start on loopback). */
    private static HttpCalls.Client api() {
        return HttpCalls.as(node.localAdminKey().orElseThrow());
    }

    private static String url() {
        return node.httpUrl() + "/v1/tenants/" + TENANT + "/recall";
    }

    @Test
    void aRecallBeyondTheLimitIsAnswered429WithRetryAfterAndTheNextOneIsServed() throws Exception {
        EMBEDDER.gate = new CountDownLatch(1);
        CompletableFuture<HttpCalls.Answer> first =
                CompletableFuture.supplyAsync(() -> api().post(url(), "{\"task\": \"signing keys\", \"k\": 3}"));
        Await.until("the first recall held in the embedder", Duration.ofSeconds(30), () -> EMBEDDER.held.get() == 1);

        HttpCalls.Answer refused = api().post(url(), "{\"task\": \"signing keys\", \"k\": 3}");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).hasValue("1");
        assertThat(refused.json().path("error").asText())
                .contains("maxConcurrentRecalls")
                .contains("(1)");
        assertThat(node.metricsText()).contains("engram_recall_refused_total 1.0");

        EMBEDDER.gate.countDown();
        HttpCalls.Answer served = first.get(60, TimeUnit.SECONDS);
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.body()).contains(TENANT + "-1");
        assertThat(api().post(url(), "{\"task\": \"signing keys\", \"k\": 3}").status())
                .as("the first recall's permit came back")
                .isEqualTo(200);
    }

    @Test
    void ingestAndRecallRunOnDispatchersOfTheirOwn() {
        assertThat(api().post(url(), "{\"task\": \"keys\", \"k\": 1}").status()).isEqualTo(200);
        // cases are stored BM25-searchable at once and embedded by the node's vector backfill, off the
        // write path (so the vector may come after the case is counted); never on the recall dispatcher
        Await.until("the stored case embedded", Duration.ofSeconds(60), () -> !EMBEDDER.documentThreads.isEmpty());
        assertThat(EMBEDDER.documentThreads)
                .isNotEmpty()
                .allMatch(t -> t.contains("engram.ingest-dispatcher") || t.equals("engram-vector-backfill"))
                .noneMatch(t -> t.contains("engram.recall-dispatcher"));
        assertThat(EMBEDDER.queryThreads).isNotEmpty().allMatch(t -> t.contains("engram.recall-dispatcher"));
    }
}
