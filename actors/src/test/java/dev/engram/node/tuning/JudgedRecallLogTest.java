package dev.engram.node.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.node.ingest.FeedbackDecoder;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JudgedRecallLogTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path dataDir;

    private static Episode judged(String id, String tenant, Boolean useful) {
        return new Episode(
                id,
                tenant,
                "agent",
                T0.plusSeconds(id.hashCode() & 0xff),
                "task of " + id,
                "plan",
                "",
                0.5,
                List.of(new Judgement("c-" + id, 1, useful), new Judgement("d-" + id, 2, false)));
    }

    private static Episode unjudged(String id, String tenant) {
        return new Episode(id, tenant, "agent", T0, "task " + id, "", "", 1.0, List.of());
    }

    private static List<String> ids(List<Episode> episodes) {
        return episodes.stream().map(Episode::eventId).toList();
    }

    @Test
    void keepsOnlyJudgedEpisodesOncePerEventIdAndPerTenant() {
        JudgedRecallLog judgedLog = new JudgedRecallLog(dataDir);
        Map<String, List<Episode>> added = judgedLog.append(List.of(
                judged("e1", "acme", true),
                unjudged("e2", "acme"),
                judged("e3", "beta", null),
                judged("e1", "acme", true)));
        assertThat(ids(added.get("acme"))).containsExactly("e1");
        assertThat(ids(added.get("beta"))).containsExactly("e3");

        assertThat(judgedLog.append(List.of(judged("e1", "acme", true), judged("e4", "acme", false))))
                .containsOnlyKeys("acme");
        assertThat(ids(judgedLog.snapshot("acme").fresh())).containsExactly("e1", "e4");
        assertThat(ids(judgedLog.snapshot("beta").fresh())).containsExactly("e3");
        assertThat(judgedLog.freshCount("nobody")).isZero();
    }

    @Test
    void theMarkSplitsFreshFromOlderAndKeepsWhatArrivedWhileARoundWasBuilt() {
        JudgedRecallLog judgedLog = new JudgedRecallLog(dataDir);
        judgedLog.append(List.of(judged("e1", "acme", true), judged("e2", "acme", true)));
        JudgedRecallLog.Snapshot round = judgedLog.snapshot("acme");
        judgedLog.append(List.of(judged("e3", "acme", true)));

        judgedLog.advanceMark("acme", round.position());

        JudgedRecallLog.Snapshot next = judgedLog.snapshot("acme");
        assertThat(ids(next.fresh())).containsExactly("e3");
        assertThat(ids(next.older())).containsExactly("e1", "e2");
        assertThat(judgedLog.freshCount("acme")).isEqualTo(1);
        judgedLog.advanceMark("acme", 1);
        assertThat(judgedLog.freshCount("acme")).as("the mark never moves back").isEqualTo(1);
        assertThatThrownBy(() -> judgedLog.advanceMark("acme", 4)).hasMessageContaining("position");
    }

    @Test
    void eachLineIsTheFeedbackEventsOwnJsonAndOlderLinesStillRead() throws IOException {
        JudgedRecallLog first = new JudgedRecallLog(dataDir);
        Episode e1 = judged("e1", "acme", null);
        first.append(List.of(e1));
        List<String> lines = Files.readAllLines(dataDir.resolve("judged").resolve("acme.jsonl"));
        assertThat(lines).hasSize(1);
        FeedbackEvent event = EventCodec.decodeFeedback(lines.get(0).getBytes(StandardCharsets.UTF_8));
        assertThat(FeedbackDecoder.toEpisode(event)).isEqualTo(e1);
        assertThat(FeedbackDecoder.toEvent(e1)).isEqualTo(event);

        // a line in the log's earlier format (an episode with "judgements")
        Files.writeString(
                dataDir.resolve("judged").resolve("acme.jsonl"),
                "{\"eventId\":\"e0\",\"tenant\":\"acme\","
                        + "\"agentId\":\"agent\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"task\":\"t\",\"plan\":\"p\","
                        + "\"outcome\":\"\",\"reward\":0.5,\"judgements\":[{\"caseId\":\"c-0\",\"rank\":1,\"useful\":true}]}\n"
                        + lines.get(0) + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.TRUNCATE_EXISTING);
        JudgedRecallLog reopened = new JudgedRecallLog(dataDir);
        assertThat(ids(reopened.snapshot("acme").fresh())).containsExactly("e0", "e1");
        assertThat(reopened.snapshot("acme").fresh().get(0).judgements())
                .containsExactly(new Judgement("c-0", 1, true));
    }

    @Test
    void survivesAReopenWithItsMarkAndEpisodesIntact() {
        JudgedRecallLog first = new JudgedRecallLog(dataDir);
        Episode e1 = judged("e1", "acme", null);
        first.append(List.of(e1, judged("e2", "acme", true)));
        first.advanceMark("acme", 1);

        JudgedRecallLog reopened = new JudgedRecallLog(dataDir);
        JudgedRecallLog.Snapshot s = reopened.snapshot("acme");
        assertThat(s.older()).containsExactly(e1);
        assertThat(ids(s.fresh())).containsExactly("e2");
        assertThat(reopened.append(List.of(judged("e2", "acme", true))))
                .as("idempotent across restarts")
                .isEmpty();
    }

    @Test
    void skipsATornLastLineAndTakesTheEpisodeBackOnReplay() throws IOException {
        new JudgedRecallLog(dataDir).append(List.of(judged("e1", "acme", true)));
        Files.writeString(
                dataDir.resolve("judged/acme.jsonl"),
                "{\"eventId\":\"e2\",\"ten",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        JudgedRecallLog reopened = new JudgedRecallLog(dataDir);
        assertThat(ids(reopened.snapshot("acme").fresh())).containsExactly("e1");
        reopened.append(List.of(judged("e2", "acme", true)));
        assertThat(ids(new JudgedRecallLog(dataDir).snapshot("acme").fresh()))
                .as("the torn fragment is cut off, so the replayed line stays readable")
                .containsExactly("e1", "e2");
    }

    @Test
    void rejectsTenantNamesThatAreNotSafeFileNames() {
        JudgedRecallLog judgedLog = new JudgedRecallLog(dataDir);
        assertThatThrownBy(() -> judgedLog.snapshot("../etc")).hasMessageContaining("tenant must match");
    }

    @Test
    void heldOutTasksAreRecordedOnceAndSurviveARestart() {
        JudgedRecallLog judgedLog = new JudgedRecallLog(dataDir);
        String tricky = "why does the \"wing\" flutter?\nsecond line";
        judgedLog.recordHeldOut("acme", List.of("heat transfer", tricky));
        judgedLog.recordHeldOut("acme", List.of(tricky, "jet noise"));
        assertThat(judgedLog.heldOutTasks("acme")).containsExactly("heat transfer", tricky, "jet noise");
        assertThat(judgedLog.heldOutTasks("other")).isEmpty();

        JudgedRecallLog reopened = new JudgedRecallLog(dataDir);
        assertThat(reopened.heldOutTasks("acme")).containsExactly("heat transfer", tricky, "jet noise");
    }

    @Test
    void aTenantsEntriesAreReadOnDemandAndLeaveTheHeapWhenEvicted() {
        List<Episode> a = new java.util.ArrayList<>();
        List<Episode> b = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            a.add(judged("a" + i, "acme", true));
            b.add(judged("b" + i, "beta", true));
        }
        JudgedRecallLog writer = new JudgedRecallLog(dataDir);
        writer.append(a);
        writer.append(b);
        writer.advanceMark("acme", 10);

        dev.engram.memory.MutableClock clock = new dev.engram.memory.MutableClock(T0);
        JudgedRecallLog judgedLog = new JudgedRecallLog(dataDir, 1, java.time.Duration.ofMinutes(10), clock);
        assertThat(judgedLog.residentTenants())
                .as("nothing is read before it is used")
                .isEmpty();
        java.lang.ref.WeakReference<Episode> acmeEntry = new java.lang.ref.WeakReference<>(
                judgedLog.snapshot("acme").fresh().get(0));
        System.gc();
        assertThat(acmeEntry.get()).as("held by the log while acme is resident").isNotNull();
        assertThat(judgedLog.residentTenants()).containsExactly("acme");
        assertThat(judgedLog.residentEntries()).isEqualTo(50);

        assertThat(judgedLog.snapshot("beta").fresh()).hasSize(50);
        assertThat(judgedLog.residentTenants()).as("one tenant at most").containsExactly("beta");
        assertThat(judgedLog.residentEntries()).isEqualTo(50);
        dev.engram.node.testing.Await.until("acme's entries collected", java.time.Duration.ofSeconds(30), () -> {
            System.gc();
            return acmeEntry.get() == null;
        });

        // Read back whole when used again: entries, mark and idempotence.
        JudgedRecallLog.Snapshot again = judgedLog.snapshot("acme");
        assertThat(again.older()).hasSize(10);
        assertThat(again.fresh()).hasSize(40);
        assertThat(judgedLog.append(List.of(a.get(3))))
                .as("still idempotent after a reload")
                .isEmpty();

        // Unused for idleAfter: gone; evict drops one at once.
        clock.advance(java.time.Duration.ofMinutes(11));
        judgedLog.evictIdle();
        assertThat(judgedLog.residentTenants()).isEmpty();
        judgedLog.snapshot("beta");
        judgedLog.evict("beta");
        assertThat(judgedLog.residentTenants()).isEmpty();
        assertThat(judgedLog.residentEntries()).isZero();
    }

    @Test
    void anAppendAcrossMoreTenantsThanResidentAddsEachEpisodeOnce() {
        JudgedRecallLog judgedLog =
                new JudgedRecallLog(dataDir, 1, java.time.Duration.ofMinutes(10), java.time.Clock.systemUTC());
        judgedLog.append(List.of(
                judged("x1", "acme", true),
                judged("y1", "beta", true),
                judged("z1", "gamma", true),
                judged("x2", "acme", false)));
        assertThat(ids(judgedLog.snapshot("acme").fresh())).containsExactly("x1", "x2");
        assertThat(ids(judgedLog.snapshot("beta").fresh())).containsExactly("y1");
        assertThat(ids(judgedLog.snapshot("gamma").fresh())).containsExactly("z1");
    }
}
