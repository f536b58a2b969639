package dev.engram.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.memory.Candidate;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.RecallQuery;
import dev.engram.node.auth.NodeKey;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.CountingEmbedder;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.CaseVector;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedNodeKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition moves without re-embedding its cases: the owner records every vector it computes on
 * {@code engram.case-vectors}, signed with its node key, and a new owner with an empty index that
 * trusts that key takes them from there (real broker, real MiniLM, real Lucene), embedding only the
 * cases whose record it must refuse: among them records that pass every check but the signature.
 */
class VectorChangelogTest {

    private static final Duration BOUND = Duration.ofSeconds(120);
    private static final int N = 24;
    private static final String[] WORDS = ("flutter wing airfoil pressure boundary layer heat transfer shock wave "
                    + "nozzle supersonic laminar turbulent drag lift panel buckling cylinder cone jet")
            .split(" ");

    @TempDir
    static Path tmp;

    private static TextEncoder encoder;

    @BeforeAll
    static void loadEncoder() {
        encoder = TextEncoder.load();
    }

    @AfterAll
    static void closeEncoder() {
        encoder.close();
    }

    private static List<Episode> episodes(String tenant) {
        Random random = new Random(7);
        List<Episode> out = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            StringBuilder task = new StringBuilder("case " + i + ":");
            for (int w = 0; w < 8; w++) {
                task.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            out.add(new Episode(
                    tenant + "-e" + i,
                    tenant,
                    "agent",
                    Instant.EPOCH.plusSeconds(i),
                    task.toString(),
                    "measure it",
                    i % 2 == 0 ? "worked" : "failed",
                    0.5,
                    List.of()));
        }
        return out;
    }

    @Test
    void aNewOwnerTakesTheRecordedVectorsAndEmbedsOnlyTheCasesWhoseRecordItRefuses() throws Exception {
        String tenant = TestIds.unique("vectors");
        KafkaConnection kafka = KafkaConnection.of(SharedKafka.bootstrapServers());
        List<Episode> all = episodes(tenant);
        // The cases the first owner never held: their records are written by someone else, each wrong in one way.
        Set<String> forged = Set.of(
                id(tenant, 3),
                id(tenant, 5),
                id(tenant, 7),
                id(tenant, 9),
                id(tenant, 11),
                id(tenant, 13),
                id(tenant, 15));
        // Two nodes, each with its key; the new owner trusts the first's, as a cluster's nodes do with --trusted-nodes.
        NodeKey firstKey = NodeKey.loadOrCreate(tmp.resolve("first-node"));
        NodeKey secondKey = NodeKey.loadOrCreate(tmp.resolve("second-node"));
        List<Episode> owned =
                all.stream().filter(e -> !forged.contains(e.eventId())).toList();

        CountingEmbedder firstEncoder = new CountingEmbedder(encoder);
        try (LuceneCaseStore first = LuceneCaseStore.open(tmp.resolve("first"), CaseStoreConfig.defaults())) {
            try (KafkaVectorChangelog changelog =
                            KafkaVectorChangelog.open(kafka, firstEncoder, firstKey, TrustedNodeKeys.none(), 1_000);
                    VectorBackfill vectors = VectorBackfill.start(first, firstEncoder, changelog, 8, 100)) {
                owned.forEach(e -> first.ingest(e, null));
                vectors.submit(owned);
                Await.until(
                        "the first owner embedded its cases",
                        BOUND,
                        () -> first.countWithVector(tenant) == owned.size());
                changelog.flush();
                assertThat(changelog.published()).isEqualTo(owned.size());
                assertThat(vectors.restored()).isZero();
            }
            assertThat(firstEncoder.documentTexts).hasSize(owned.size());

            Map<String, CaseVector> recorded = readRecords(tenant);
            assertThat(recorded.keySet())
                    .as("one record per case the first owner embedded")
                    .containsExactlyInAnyOrderElementsOf(owned.stream()
                            .map(e -> CaseVector.key(tenant, e.eventId()))
                            .toList());
            assertThat(recorded.values()).allSatisfy(v -> {
                assertThat(v.encoder()).isEqualTo(encoder.documentVectorId());
                assertThat(v.dimension()).isEqualTo(encoder.dimension());
                assertThat(v.signerKeyId()).isEqualTo(firstKey.id());
            });

            Map<String, Episode> byId = all.stream().collect(Collectors.toMap(Episode::eventId, Function.identity()));
            publishForgeries(tenant, byId, recorded.values().iterator().next().values(), firstKey);

            CountingEmbedder secondEncoder = new CountingEmbedder(encoder);
            try (LuceneCaseStore second = LuceneCaseStore.open(tmp.resolve("second"), CaseStoreConfig.defaults());
                    KafkaVectorChangelog changelog = KafkaVectorChangelog.open(
                            kafka, secondEncoder, secondKey, TrustedNodeKeys.load(firstKey.publicKeyFile()), 1_000)) {
                VectorBackfill vectors = VectorBackfill.start(second, secondEncoder, changelog, 8, 100);
                try (vectors) {
                    all.forEach(e -> second.ingest(e, null)); // the partition's feedback, replayed
                    vectors.submit(all);
                    Await.until(
                            "the new owner gave every case its vector and has nothing left to do",
                            BOUND,
                            () -> second.countWithVector(tenant) == N && vectors.queued() == 0,
                            () -> "restored " + vectors.restored() + ", embedded " + vectors.embedded());
                } // stopped after its batch in flight: the counts below are final

                assertThat(secondEncoder.documentTexts)
                        .as("the new owner embedded only the cases whose record it refused")
                        .containsExactlyInAnyOrderElementsOf(all.stream()
                                .filter(e -> forged.contains(e.eventId()))
                                .map(BatchWriter::caseText)
                                .toList());
                assertThat(vectors.restored()).isEqualTo(owned.size());
                assertThat(vectors.embedded()).isEqualTo(forged.size());
                assertThat(changelog.refused(tenant))
                        .as("each forged record, and the forgery of a case whose genuine record came before it")
                        .isEqualTo(forged.size() + 1);

                // The moved cases carry the first owner's vectors bit for bit; recall answers alike.
                Map<String, float[]> before = vectorsOf(first, tenant);
                Map<String, float[]> after = vectorsOf(second, tenant);
                for (Episode e : owned) {
                    assertThat(after.get(e.eventId()))
                            .as(e.eventId())
                            .isNotNull()
                            .isEqualTo(before.get(e.eventId()));
                }
                for (String query : List.of("flutter of a heated wing", "shock wave in a nozzle", "laminar drag")) {
                    float[] q = encoder.embedQuery(query);
                    assertThat(ids(second, tenant, query, q).stream()
                                    .filter(id -> !forged.contains(id))
                                    .toList())
                            .as("the moved cases rank as on the first owner for '" + query + "'")
                            .isEqualTo(ids(first, tenant, query, q));
                }
            }
        }
    }

    private static String id(String tenant, int i) {
        return tenant + "-e" + i;
    }

    /**
     * Records for the cases the first owner never held, each wrong in one way, and a forgery of case 1
     * written after its genuine record. The ones wrong in encoder, text, dimension or values carry
     * the first owner's signature (a node's own mistake); the rest are what someone who can write
     * the topic but holds no trusted key can make: the text hash, encoder and dimension all right.
     */
    private static void publishForgeries(String tenant, Map<String, Episode> byId, float[] someVector, NodeKey firstKey)
            throws Exception {
        String encoderId = encoder.documentVectorId();
        KeyPair stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        // A vector close to every query would put its case first for all of them: what a forger would write.
        float[] adversarial = new float[someVector.length];
        Arrays.fill(adversarial, (float) (1 / Math.sqrt(someVector.length)));
        Map<String, byte[]> records = new HashMap<>();
        records.put(
                id(tenant, 3),
                ContinualCodec.encode(
                        firstKey.signVector(tenant, id(tenant, 3), encoderId, "another text altogether", someVector)));
        records.put(
                id(tenant, 5),
                ContinualCodec.encode(firstKey.signVector(
                        tenant,
                        id(tenant, 5),
                        "sentence-transformers/some-other-model;maxLength=256",
                        text(byId, tenant, 5),
                        someVector)));
        float[] nine = Arrays.copyOf(someVector, someVector.length / 2);
        records.put(
                id(tenant, 9),
                ContinualCodec.encode(
                        firstKey.signVector(tenant, id(tenant, 9), encoderId, text(byId, tenant, 9), nine)));
        // NaN cannot be built as a CaseVector: write the JSON by hand, with the bytes of a NaN in it
        float[] nan = someVector.clone();
        nan[17] = Float.NaN;
        CaseVector seven = firstKey.signVector(tenant, id(tenant, 7), encoderId, text(byId, tenant, 7), someVector);
        String json = new String(ContinualCodec.encode(seven), StandardCharsets.UTF_8);
        String good = java.util.Base64.getEncoder().encodeToString(seven.vector());
        String bad = java.util.Base64.getEncoder().encodeToString(bytes(nan));
        records.put(id(tenant, 7), json.replace(good, bad).getBytes(StandardCharsets.UTF_8));
        // Right in every checked field, signed by a key no node trusts.
        records.put(
                id(tenant, 11),
                ContinualCodec.encode(CaseVector.of(
                        tenant, id(tenant, 11), encoderId, text(byId, tenant, 11), adversarial, stranger)));
        // The first owner's genuine signature over its vector, on another vector.
        CaseVector thirteen =
                firstKey.signVector(tenant, id(tenant, 13), encoderId, text(byId, tenant, 13), someVector);
        records.put(
                id(tenant, 13),
                ContinualCodec.encode(new CaseVector(
                        thirteen.schemaVersion(),
                        thirteen.tenant(),
                        thirteen.caseId(),
                        thirteen.encoder(),
                        thirteen.dimension(),
                        thirteen.textSha256(),
                        bytes(adversarial),
                        thirteen.signerKeyId(),
                        thirteen.signature())));
        // Unsigned: a record as nodes wrote them before they signed, right in every other field.
        ObjectMapper json15 = new ObjectMapper();
        ObjectNode unsigned = (ObjectNode) json15.readTree(ContinualCodec.encode(
                CaseVector.of(tenant, id(tenant, 15), encoderId, text(byId, tenant, 15), adversarial, stranger)));
        unsigned.remove("signerKeyId");
        unsigned.remove("signature");
        records.put(id(tenant, 15), json15.writeValueAsBytes(unsigned));
        assertThat(text(byId, tenant, 3)).isNotEqualTo("another text altogether");
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers())) {
            int partition = partitionOf(tenant);
            records.forEach((caseId, value) -> producer.send(
                    new ProducerRecord<>(Topics.CASE_VECTORS, partition, CaseVector.key(tenant, caseId), value)));
            // After case 1's genuine record: refused as it is read, it must not take that record's place.
            producer.send(new ProducerRecord<>(
                    Topics.CASE_VECTORS,
                    partition,
                    CaseVector.key(tenant, id(tenant, 1)),
                    ContinualCodec.encode(CaseVector.of(
                            tenant, id(tenant, 1), encoderId, text(byId, tenant, 1), adversarial, stranger))));
            producer.flush();
        }
    }

    private static String text(Map<String, Episode> byId, String tenant, int i) {
        return BatchWriter.caseText(byId.get(id(tenant, i)));
    }

    private static byte[] bytes(float[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static int partitionOf(String tenant) {
        return Utils.toPositive(Utils.murmur2(tenant.getBytes(StandardCharsets.UTF_8)))
                % Topics.spec(Topics.CASE_VECTORS).partitions();
    }

    /** Every record of the tenant on the changelog, by key (the latest of each). */
    private static Map<String, CaseVector> readRecords(String tenant) {
        Map<String, CaseVector> out = new HashMap<>();
        TopicPartition tp = new TopicPartition(Topics.CASE_VECTORS, partitionOf(tenant));
        try (KafkaConsumer<String, byte[]> consumer =
                KafkaClientFactory.consumer(SharedKafka.bootstrapServers(), null)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (consumer.position(tp) < end) {
                assertThat(System.nanoTime())
                        .as("read the changelog to its end")
                        .isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().startsWith(tenant + "/")) {
                        out.put(r.key(), ContinualCodec.decodeCaseVector(r.value()));
                    }
                }
            }
        }
        return out;
    }

    /** Each case's vector, as the store's vector search returns it. */
    private static Map<String, float[]> vectorsOf(LuceneCaseStore store, String tenant) {
        float[] q = encoder.embedQuery("wing");
        Map<String, float[]> out = new HashMap<>();
        for (Candidate c :
                store.candidates(RecallQuery.dense(tenant, "wing", q, N)).candidates()) {
            out.put(c.match().caseId(), c.vector());
        }
        assertThat(out).as("every case found by the vector search").hasSize((int) store.countWithVector(tenant));
        return out;
    }

    private static List<String> ids(LuceneCaseStore store, String tenant, String query, float[] q) {
        return store.recall(RecallQuery.dense(tenant, query, q, N)).ranked().stream()
                .map(s -> s.match().caseId())
                .toList();
    }
}
