package dev.engram.tools.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.tuning.FeedbackExamples;
import dev.engram.retriever.tuning.TrainingExample;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.RetrievedCase;
import dev.engram.streams.Topics;
import dev.engram.tools.demo.CranfieldEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A BM25-only node on a real broker with a 200-abstract Cranfield slice: the simulator's events go
 * through {@code engram.feedback} into the node, and the reader gets exactly them back.
 */
class FeedbackSimulatorTest {

    private static final int DOCS = 200;
    private static final int QUERIES = 20;
    private static final int K = 10;
    private static final Duration BOUND = Duration.ofMinutes(2);

    private final EvalDataset cranfield = CranfieldLoader.load();

    @Test
    void simulatedFeedbackGoesThroughTheStreamIntoTheNodeAndBackOutToTraining(@TempDir Path data) throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String tenant = TestIds.unique("sim");
        List<Document> docs = cranfield.docs().subList(0, DOCS);
        Set<String> docIds = new HashSet<>();
        docs.forEach(d -> docIds.add(d.id()));
        List<Query> queries = cranfield.queries().stream()
                .filter(q -> cranfield.qrels().judged(q.id()).entrySet().stream()
                        .anyMatch(e -> e.getValue() > 0 && docIds.contains(e.getKey())))
                .limit(QUERIES)
                .toList();
        assertThat(queries).hasSize(QUERIES);

        NodeConfig config = NodeConfig.builder(data)
                .bootstrapServers(bootstrap)
                .groupId(TestIds.unique("sim"))
                .httpPort(0)
                .tuning(TuningSchedulerConfig.disabled())
                .build();
        try (EngramNode node = EngramNode.start(config)) {
            CaseStore store = node.store();
            seed(bootstrap, tenant, docs);
            Await.until(
                    "the slice to be searchable",
                    BOUND,
                    () -> store.count(tenant) == DOCS,
                    () -> "count " + store.count(tenant));

            SimulatorConfig simConfig = SimulatorConfig.cranfield(tenant, K);
            FeedbackSimulator simulator = new FeedbackSimulator(NodeRecall.of(node), bootstrap, simConfig);
            SimulationResult sent = simulator.run(queries, cranfield.qrels());

            assertThat(sent.eventIds())
                    .hasSize(QUERIES)
                    .doesNotHaveDuplicates()
                    .allMatch(id -> id.startsWith("sim-" + tenant + "-") && id.endsWith("-r0"));
            assertThat(sent.judgements()).isEqualTo(QUERIES * K);
            assertThat(sent.usefulJudgements()).isPositive().isLessThan(sent.judgements());
            assertThat(sent.rewardedEvents()).isPositive();

            // ingested: every event became a case, and every judgement counted once
            Await.until(
                    "the simulated events to be applied",
                    BOUND,
                    () -> store.count(tenant) == DOCS + QUERIES && totalRecalled(store, tenant) == sent.judgements(),
                    () -> "count " + store.count(tenant) + ", timesRecalled " + totalRecalled(store, tenant));
            assertThat(totalUseful(store, tenant)).isEqualTo(sent.usefulJudgements());

            // the stream gives back exactly the events sent, judged by the qrels
            StreamFeedback read = new StreamFeedbackReader(bootstrap).read(tenant, simConfig.eventIdPrefix());
            assertThat(read.events()).extracting(FeedbackEvent::eventId).containsExactlyElementsOf(sent.eventIds());
            assertThat(read.duplicates()).isZero();
            Map<String, Query> byEventId = new HashMap<>();
            queries.forEach(q -> byEventId.put(simConfig.eventId(q.id()), q));
            Map<String, Long> recalledPerCase = new HashMap<>();
            for (FeedbackEvent event : read.events()) {
                Query query = byEventId.get(event.eventId());
                assertThat(event.task()).isEqualTo(query.text());
                assertThat(event.retrieved()).hasSize(K);
                boolean anyUseful = false;
                for (RetrievedCase rc : event.retrieved()) {
                    boolean relevant = rc.caseId().startsWith("cran-")
                            && cranfield.qrels().judged(query.id()).getOrDefault(CranfieldEvents.docId(rc.caseId()), 0)
                                    > 0;
                    assertThat(rc.useful())
                            .as("%s for query %s", rc.caseId(), query.id())
                            .isEqualTo(relevant);
                    anyUseful |= relevant;
                    recalledPerCase.merge(rc.caseId(), 1L, Long::sum);
                }
                assertThat(event.reward()).isEqualTo(anyUseful ? 1.0 : 0.0);
            }
            recalledPerCase.forEach((caseId, n) -> assertThat(
                            store.get(tenant, caseId).orElseThrow().timesRecalled())
                    .as("timesRecalled of %s", caseId)
                    .isEqualTo(n));

            // training consumes what the stream delivered: positives only from useful judgements
            List<Episode> episodes = read.episodes();
            Set<String> usefulPairs = new HashSet<>();
            for (Episode e : episodes) {
                for (Judgement j : e.judgements()) {
                    if (Boolean.TRUE.equals(j.useful())) {
                        usefulPairs.add(e.task() + "\u0000" + j.caseId());
                    }
                }
            }
            List<TrainingExample> examples = FeedbackExamples.builder()
                    .maxHardNegatives(4)
                    .build()
                    .trainingExamples(episodes, id -> store.get(tenant, id));
            assertThat(examples).hasSize(usefulPairs.size());
            for (TrainingExample ex : examples) {
                assertThat(usefulPairs)
                        .contains(ex.query() + "\u0000" + ex.positive().caseId());
                assertThat(ex.hardNegatives()).noneMatch(n -> usefulPairs.contains(ex.query() + "\u0000" + n.caseId()));
            }

            // a rerun sends the same ids; the node applies them once
            SimulationResult again = simulator.run(queries, cranfield.qrels());
            assertThat(again.eventIds()).isEqualTo(sent.eventIds());
            // a later round on the same partition (keyed by tenant) marks that the rerun was consumed
            SimulationResult marker = new FeedbackSimulator(NodeRecall.of(node), bootstrap, simConfig.withRound(1))
                    .run(queries.subList(0, 1), cranfield.qrels());
            Await.until(
                    "the round-1 marker to be applied",
                    BOUND,
                    () -> store.count(tenant) == DOCS + QUERIES + 1,
                    () -> "count " + store.count(tenant));
            Await.until(
                    "the marker's judgements to count",
                    BOUND,
                    () -> totalRecalled(store, tenant) == sent.judgements() + marker.judgements(),
                    () -> "timesRecalled " + totalRecalled(store, tenant));
            assertThat(totalUseful(store, tenant)).isEqualTo(sent.usefulJudgements() + marker.usefulJudgements());

            StreamFeedback reread = new StreamFeedbackReader(bootstrap).read(tenant, simConfig.eventIdPrefix());
            assertThat(reread.events())
                    .extracting(FeedbackEvent::eventId)
                    .containsExactlyElementsOf(concat(sent.eventIds(), marker.eventIds()));
            assertThat(reread.duplicates()).isEqualTo(QUERIES);
        }
    }

    @Test
    void configRejectsBadFieldsByName() {
        assertThatThrownBy(() -> new SimulatorConfig(" ", 10, "a", "cran-", 0)).hasMessageContaining("tenant");
        assertThatThrownBy(() -> new SimulatorConfig("t", 0, "a", "cran-", 0)).hasMessageContaining("k ");
        assertThatThrownBy(() -> new SimulatorConfig("t", 10, "a", "cran-", -1)).hasMessageContaining("round");
        SimulatorConfig c = SimulatorConfig.cranfield("t", 10).withRound(3);
        assertThat(c.eventId("7")).isEqualTo("sim-t-7-r3");
        assertThat(c.docId("cran-12")).isEqualTo("12");
        assertThat(c.docId("sim-t-7-r3")).isNull();
    }

    private static void seed(String bootstrap, String tenant, List<Document> docs) throws Exception {
        Instant now = Instant.now();
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
            for (Document d : docs) {
                FeedbackEvent e = FeedbackEvent.of(
                        CranfieldEvents.eventId(d.id()),
                        tenant,
                        CranfieldEvents.AGENT_ID,
                        now,
                        d.fullText(),
                        null,
                        null,
                        1.0,
                        List.of());
                producer.send(new ProducerRecord<>(Topics.FEEDBACK, tenant, EventCodec.encode(e)));
            }
            producer.flush();
        }
    }

    private static long totalRecalled(CaseStore store, String tenant) {
        return store.cases(tenant).stream().mapToLong(Case::timesRecalled).sum();
    }

    private static long totalUseful(CaseStore store, String tenant) {
        return store.cases(tenant).stream().mapToLong(Case::timesUseful).sum();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
