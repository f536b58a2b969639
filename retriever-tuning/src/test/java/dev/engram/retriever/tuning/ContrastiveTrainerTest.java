package dev.engram.retriever.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.engram.adapters.LoraLinear;
import dev.engram.memory.Case;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.eval.RetrievalMetrics;
import dev.engram.retriever.tuning.internal.QueryPasses;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real MiniLM, real DJL training, on a slice of Cranfield: 16 queries, their judged documents and
 * some others. Feedback is simulated from the frozen retriever's top 20.
 */
class ContrastiveTrainerTest {

    private static final String TENANT = "cranfield";
    private static TextEncoder encoder;
    private static EvalDataset cranfield;
    private static List<Query> queries;
    private static List<Document> docs;
    private static Map<String, Case> cases;
    private static List<float[]> docVectors;
    private static List<TrainingExample> examples;

    @BeforeAll
    static void simulateFeedback() {
        encoder = TextEncoder.load(
                EncoderConfig.custom().maxLength(128).batchSize(32).build());
        cranfield = CranfieldLoader.load();
        queries = cranfield.judgedQueries().subList(0, 16);
        Map<String, Document> slice = new LinkedHashMap<>();
        Map<String, Document> byId = new HashMap<>();
        cranfield.docs().forEach(d -> byId.put(d.id(), d));
        for (Query q : queries) {
            cranfield.qrels().judged(q.id()).keySet().forEach(id -> slice.put(id, byId.get(id)));
        }
        cranfield.docs().stream()
                .filter(d -> !d.fullText().isBlank())
                .limit(80)
                .forEach(d -> slice.putIfAbsent(d.id(), d));
        docs = new ArrayList<>(slice.values());
        cases = new HashMap<>();
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        for (Document d : docs) {
            cases.put(
                    d.id(),
                    new Case(
                            d.id(),
                            TENANT,
                            "",
                            d.title().isBlank() ? d.id() : d.title(),
                            d.text(),
                            "",
                            1.0,
                            t,
                            t,
                            0,
                            0));
        }
        docVectors = encoder.embedDocuments(
                docs.stream().map(d -> cases.get(d.id()).text()).toList());
        List<Episode> episodes = new ArrayList<>();
        for (Query q : queries) {
            List<String> top = rank(encoder.embedQuery(q.text())).subList(0, 20);
            List<Judgement> judgements = new ArrayList<>();
            for (int r = 0; r < top.size(); r++) {
                Integer gain = cranfield.qrels().judged(q.id()).get(top.get(r));
                judgements.add(new Judgement(top.get(r), r + 1, gain != null && gain > 0));
            }
            episodes.add(new Episode("fb-" + q.id(), TENANT, "sim", t, q.text(), "", "", 0.5, judgements));
        }
        examples = FeedbackExamples.builder()
                .maxHardNegatives(3)
                .build()
                .trainingExamples(episodes, id -> Optional.ofNullable(cases.get(id)));
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    private static List<String> rank(float[] query) {
        Integer[] order = IntStream.range(0, docs.size()).boxed().toArray(Integer[]::new);
        double[] score = new double[docs.size()];
        for (int i = 0; i < docs.size(); i++) {
            float[] d = docVectors.get(i);
            for (int k = 0; k < d.length; k++) {
                score[i] += query[k] * d[k];
            }
        }
        java.util.Arrays.sort(order, Comparator.comparingDouble(i -> -score[i]));
        List<String> ids = new ArrayList<>();
        for (Integer i : order) {
            ids.add(docs.get(i).id());
        }
        return ids;
    }

    private static double meanNdcg(Embedder queryEmbedder) {
        return queries.stream()
                .mapToDouble(q -> RetrievalMetrics.ndcgAtK(
                        rank(queryEmbedder.embedQuery(q.text())),
                        cranfield.qrels().judged(q.id()),
                        10))
                .average()
                .orElseThrow();
    }

    @Test
    void queryTuningRaisesNdcgOnTheTrainingQueriesAndLeavesCaseVectorsBitIdentical() {
        assertThat(examples).hasSizeGreaterThan(40);
        double before = meanNdcg(encoder);
        TuningConfig config = TuningConfig.builder()
                .epochs(6)
                .batchSize(16)
                .learningRate(1e-3)
                .build();
        List<TuningProgress> progress = new ArrayList<>();
        Map<String, float[]> stored = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            stored.put(docs.get(i).id(), docVectors.get(i));
        }

        TuningRound round = new ContrastiveTrainer(encoder, config)
                .withBaseCaseVectors(stored::get)
                .train(TENANT, examples, List.of(), null, progress::add);
        try (TenantAdapter adapter = round.adapter()) {
            Embedder tuned = adapter.embedder(encoder);
            double after = meanNdcg(tuned);

            assertThat(after)
                    .as("nDCG@10 on the training queries, frozen %.4f", before)
                    .isGreaterThan(before + 0.03);
            assertThat(round.meanLossOfLast(0.2)).isLessThan(round.meanLossOfFirst(0.2));
            assertThat(progress).last().extracting(TuningProgress::phase).isEqualTo("done");
            assertThat(progress).anyMatch(p -> p.phase().equals("training") && p.step() == round.steps());
            assertThat(tuned.modelId()).endsWith("+cranfield-r1@query");
            // query-side: case vectors are the frozen base's, bit for bit
            List<String> texts = docs.subList(0, 8).stream()
                    .map(d -> cases.get(d.id()).text())
                    .toList();
            List<float[]> again = tuned.embedDocuments(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(again.get(i)).as("case vector %d", i).containsExactly(docVectors.get(i));
            }
            assertThat(encoder.embedDocuments(texts).get(0)).containsExactly(docVectors.get(0));
        }
    }

    @Test
    void queriesRunInPassesTrainTheSameAdapterAsOnePassPerStep() {
        // without dropout the step's gradient is the same sum whichever way its rows are grouped
        TuningConfig onePass = TuningConfig.builder()
                .lora(TuningConfig.defaults().lora().toBuilder().dropout(0).build())
                .epochs(1)
                .batchSize(16)
                .learningRate(1e-3)
                .warmupFraction(0)
                .queryTokensPerPass(0)
                .build();
        TuningConfig inPasses = onePass.toBuilder().queryTokensPerPass(40).build();
        List<TrainingExample> some = examples.subList(0, 32);
        assertThat(QueryPasses.plan(
                                encoder.tokenizeQueries(some.subList(0, 16).stream()
                                        .map(TrainingExample::query)
                                        .toList()),
                                40)
                        .size())
                .as("passes of at most 40 word pieces")
                .isGreaterThan(4);

        TuningRound a = new ContrastiveTrainer(encoder, onePass).train(TENANT, some);
        TuningRound b = new ContrastiveTrainer(encoder, inPasses).train(TENANT, some);
        try (TenantAdapter whole = a.adapter();
                TenantAdapter parted = b.adapter()) {
            assertThat(b.steps()).isEqualTo(a.steps()).isEqualTo(2);
            for (int i = 0; i < a.losses().size(); i++) {
                assertThat(b.losses().get(i))
                        .as("loss of step %d", i)
                        .isCloseTo(a.losses().get(i), within(1e-4));
            }
            Embedder x = whole.embedder(encoder);
            Embedder y = parted.embedder(encoder);
            float[] frozen = encoder.embedQuery(queries.get(0).text());
            for (Query q : queries.subList(0, 4)) {
                float[] u = x.embedQuery(q.text());
                float[] v = y.embedQuery(q.text());
                for (int k = 0; k < u.length; k++) {
                    assertThat(v[k]).as("query %s, dimension %d", q.id(), k).isCloseTo(u[k], within(1e-4f));
                }
            }
            // and training did move the query tower, so the comparison above is not trivially true
            assertThat(x.embedQuery(queries.get(0).text())).isNotEqualTo(frozen);
        }
    }

    @Test
    void incrementalRoundsStartFromACopyAndSaveAPeftAdapter(@TempDir Path dir) throws Exception {
        TuningConfig config = TuningConfig.builder()
                .epochs(1)
                .batchSize(16)
                .continuation(Continuation.CONTINUE)
                .build();
        ContrastiveTrainer trainer = new ContrastiveTrainer(encoder, config);
        List<TrainingExample> first = examples.subList(0, examples.size() / 2);
        List<TrainingExample> second = examples.subList(examples.size() / 2, examples.size());
        try (TenantAdapter r1 = trainer.train(TENANT, first).adapter()) {
            float[] b1 = layer(r1).loraB().toFloatArray();
            TuningRound round2 = trainer.train(TENANT, second, first, r1, TuningListener.NONE);
            try (TenantAdapter r2 = round2.adapter()) {
                assertThat(r2.round()).isEqualTo(2);
                assertThat(round2.replayedExamples()).isEqualTo((int) Math.round(0.5 * second.size()));
                assertThat(layer(r1).loraB().toFloatArray())
                        .as("the serving adapter is untouched")
                        .containsExactly(b1);
                assertThat(layer(r2).loraB().toFloatArray()).isNotEqualTo(b1);

                r2.save(dir.resolve("r2"));
                try (TenantAdapter loaded =
                        TenantAdapter.load(dir.resolve("r2"), TENANT, TuningMode.QUERY_SIDE, "", 2, encoder)) {
                    String q = queries.get(0).text();
                    assertThat(loaded.embedder(encoder).embedQuery(q))
                            .containsExactly(r2.embedder(encoder).embedQuery(q));
                }
            }
            TuningConfig periodic =
                    config.toBuilder().continuation(Continuation.PERIODIC_MERGE).build();
            try (TenantAdapter r2 = new ContrastiveTrainer(encoder, periodic)
                    .train(TENANT, second, List.of(), r1, TuningListener.NONE)
                    .adapter()) {
                assertThat(r2.lora().stage()).isEqualTo(1);
            }
            TuningConfig symmetric =
                    config.toBuilder().mode(TuningMode.SYMMETRIC).build();
            assertThatThrownBy(() -> new ContrastiveTrainer(encoder, symmetric)
                            .train(TENANT, second, List.of(), r1, TuningListener.NONE))
                    .hasMessageContaining("trained QUERY_SIDE");
        }
    }

    @Test
    void eachContinuationStartsWhereItSaysAndSeesWhatItSays() {
        List<TrainingExample> first = examples.subList(0, examples.size() / 2);
        List<TrainingExample> second = examples.subList(examples.size() / 2, examples.size());
        TuningConfig config = TuningConfig.builder()
                .epochs(2)
                .batchSize(16)
                .learningRate(1e-3)
                .build();
        try (TenantAdapter serving =
                new ContrastiveTrainer(encoder, config).train(TENANT, first).adapter()) {
            float[] servingB = layer(serving).loraB().toFloatArray();
            assertThat(maxAbs(servingB))
                    .as("the serving adapter learned something")
                    .isGreaterThan(1e-4f);
            // a learning rate too small to move the weights: the round's adapter is where it started
            TuningConfig still = config.toBuilder().learningRate(1e-12).build();

            TuningRound retrain = round(still, Continuation.RETRAIN_FROM_BASE, second, first, serving);
            try (TenantAdapter a = retrain.adapter()) {
                assertThat(retrain.continuedFromServing()).isFalse();
                assertThat(retrain.replayedExamples()).as("all older feedback").isEqualTo(first.size());
                assertThat(retrain.learningRate()).isEqualTo(1e-12);
                assertThat(retrain.epochs()).isEqualTo(2);
                assertThat(maxAbs(layer(a).loraB().toFloatArray()))
                        .as("a fresh adapter: B starts at zero")
                        .isLessThan(1e-6f);
                assertThat(a.round()).isEqualTo(2);
            }

            TuningRound gentle = round(still, Continuation.CONTINUE_LOW_LR, second, first, serving);
            try (TenantAdapter a = gentle.adapter()) {
                assertThat(gentle.continuedFromServing()).isTrue();
                assertThat(gentle.learningRate()).isEqualTo(1e-12 * Continuation.GENTLE_LEARNING_RATE_FACTOR);
                assertThat(gentle.epochs()).isEqualTo(1);
                assertThat(gentle.replayedExamples()).as("a replay sample").isEqualTo((int)
                        Math.round(0.5 * second.size()));
                assertThat(layer(a).loraB().toFloatArray())
                        .as("starts from the serving adapter's weights")
                        .containsExactly(servingB, org.assertj.core.data.Offset.offset(1e-6f));
            }
            TuningRound gentleFirst = round(config, Continuation.CONTINUE_LOW_LR, second, List.of(), null);
            try (TenantAdapter ignored = gentleFirst.adapter()) {
                assertThat(gentleFirst.learningRate())
                        .as("a first round trains as configured")
                        .isEqualTo(1e-3);
                assertThat(gentleFirst.epochs()).isEqualTo(2);
            }

            TuningRound plain = round(still, Continuation.CONTINUE, second, first, serving);
            try (TenantAdapter a = plain.adapter()) {
                assertThat(plain.continuedFromServing()).isTrue();
                assertThat(plain.learningRate()).isEqualTo(1e-12);
                assertThat(plain.epochs()).isEqualTo(2);
                assertThat(layer(a).loraB().toFloatArray())
                        .containsExactly(servingB, org.assertj.core.data.Offset.offset(1e-6f));
            }

            TuningRound merged = round(still, Continuation.PERIODIC_MERGE, second, first, serving);
            try (TenantAdapter a = merged.adapter()) {
                assertThat(merged.continuedFromServing()).isTrue();
                assertThat(a.lora().stage()).as("the serving adapter folded in").isEqualTo(1);
                assertThat(maxAbs(layer(a).loraB().toFloatArray()))
                        .as("a fresh adapter on top")
                        .isLessThan(1e-6f);
                String q = queries.get(0).text();
                assertThat(a.embedder(encoder).embedQuery(q))
                        .as("and the merged model embeds as the serving one")
                        .containsExactly(
                                serving.embedder(encoder).embedQuery(q), org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    private static TuningRound round(
            TuningConfig config,
            Continuation continuation,
            List<TrainingExample> fresh,
            List<TrainingExample> older,
            TenantAdapter serving) {
        return new ContrastiveTrainer(
                        encoder, config.toBuilder().continuation(continuation).build())
                .train(TENANT, fresh, older, serving, TuningListener.NONE);
    }

    private static float maxAbs(float[] xs) {
        float m = 0;
        for (float x : xs) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @Test
    void symmetricModeTrainsBothTowers() {
        TuningConfig config = TuningConfig.builder()
                .mode(TuningMode.SYMMETRIC)
                .epochs(1)
                .batchSize(4)
                .trainingMaxLength(48)
                .learningRate(2e-3)
                .build();
        List<TrainingExample> few = examples.subList(0, 8);
        try (TenantAdapter adapter =
                new ContrastiveTrainer(encoder, config).train(TENANT, few).adapter()) {
            assertThat(adapter.mode()).isEqualTo(TuningMode.SYMMETRIC);
            String text = few.get(0).positive().text();
            float[] base = encoder.embedDocuments(List.of(text)).get(0);
            float[] tuned =
                    adapter.embedder(encoder).embedDocuments(List.of(text)).get(0);
            assertThat(tuned).isNotEqualTo(base);
            assertThat(adapter.embedder(encoder).modelId()).endsWith("+cranfield-r1");
        }
    }

    private static LoraLinear layer(TenantAdapter adapter) {
        return adapter.lora().layers().values().iterator().next();
    }
}
