package dev.engram.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.registry.PromotionGate;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.Qrels;
import dev.engram.retriever.eval.Query;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.LoraTrainingConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop on a slice of Cranfield, through a real node with its own embedded broker, the
 * real MiniLM and real LoRA training: seeded cases → simulated feedback on the stream → the
 * scheduler's job → the in-node worker → an adapter on {@code engram.adapters} → the node's gate
 * → hot-swap → recall reports the new version.
 */
class ContinualDemoTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void feedbackBecomesAServedAdapterThatRecallReports() {
        EvalDataset slice = slice(CranfieldLoader.load(), 30, 120);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        DemoOptions options = DemoOptions.defaults()
                .withDataDir(dir)
                .withProgressBars(false)
                .withRounds(1)
                .withK(20)
                .withRoundTimeout(Duration.ofMinutes(5));
        // One short epoch, and a gate that promotes any finite candidate: the test is about the chain. Its
        // held-out loss margin is the whole nDCG range too: the node's paired test on 3 held-out tasks
        // would otherwise decide by chance (its interval reached -10 points on one run).
        LoraTrainingConfig lora =
                new LoraTrainingConfig(4, 8, 0.0, List.of("query", "value"), false, false, 1, 16, 5e-4, 7, 128);

        LoopResult result = new ContinualDemo(
                        options, out, slice, lora, new PromotionGate(-1.0, 1.0, 1.0, PromotionGate.DEFAULT_CONFIDENCE))
                .execute();

        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(result.documents()).isEqualTo(slice.docs().size());
        assertThat(result.rounds()).hasSize(1);
        RoundResult round = result.rounds().get(0);
        assertThat(round.status()).as(printed).isEqualTo(AdapterStatus.PROMOTED);
        assertThat(round.version()).isEqualTo(1);
        assertThat(round.gateMetrics().heldOutQueries()).isPositive();
        assertThat(round.servedBy()).as("every held-out recall after the swap").isEqualTo("cranfield-retriever/v1");
        assertThat(round.dense().queryCount()).isEqualTo(result.heldOutQueries());
        assertThat(round.dense().meanNdcgAt10()).isBetween(0.0, 1.0);
        assertThat(result.baseDense().queryCount()).isEqualTo(result.heldOutQueries());
        assertThat(printed).contains("gate     v1 PROMOTED", "recall serves v1", "held-out nDCG@10 with v1");
        assertThat(Files.exists(dir)).isTrue();
        assertThat(dir.toFile().list())
                .as("the run's directory is deleted after a successful run")
                .isEmpty();
    }

    /** The first {@code queries} judged queries, their judged documents and the first {@code extraDocs} others. */
    static EvalDataset slice(EvalDataset all, int queries, int extraDocs) {
        List<Query> chosen = all.judgedQueries().subList(0, queries);
        Set<String> docIds = new LinkedHashSet<>();
        Map<String, Map<String, Integer>> gains = new HashMap<>();
        for (Query q : chosen) {
            Map<String, Integer> judged = all.qrels().judged(q.id());
            gains.put(q.id(), judged);
            docIds.addAll(judged.keySet());
        }
        all.docs().stream().limit(extraDocs).forEach(d -> docIds.add(d.id()));
        List<Document> docs =
                all.docs().stream().filter(d -> docIds.contains(d.id())).toList();
        return new EvalDataset("cranfield-slice", docs, chosen, new Qrels(gains));
    }
}
