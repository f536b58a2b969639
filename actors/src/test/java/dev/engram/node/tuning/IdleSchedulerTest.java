package dev.engram.node.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.Episode;
import dev.engram.memory.MutableClock;
import dev.engram.node.testing.Await;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.LoraTrainingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's scheduler stops once it has been idle for {@code idleAfter} (and its feedback leaves the
 * heap); the tenant's next event starts a new one that reads the feedback back from the log and takes
 * the counters over. A scheduler with a round in flight never stops.
 */
class IdleSchedulerTest {

    private static ActorTestKit testKit;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
    private final RecordingSink sink = new RecordingSink();
    private final FixedVersions versions = new FixedVersions();

    @TempDir
    Path dataDir;

    @BeforeAll
    static void startKit() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    /** Rounds after 5 judged episodes; idle after 5 min with fewer than 10 new ones; the timer ticks every 20 ms. */
    private static TuningSchedulerConfig config() {
        return TuningSchedulerConfig.builder()
                .tickInterval(Duration.ofMillis(20))
                .minNewJudged(5)
                .minNewForInterval(10)
                .maxInterval(Duration.ofHours(1))
                .idleAfter(Duration.ofMinutes(5))
                .lora(new LoraTrainingConfig(4, 8, 0.0, List.of("query", "value"), false, false, 1, 4, 1e-3, 7, 64))
                .build();
    }

    /** As the ingest pipeline does: durable in the log first, then counted by the schedulers. */
    private static void deliver(
            ActorRef<TuningSchedulers.Command> router, JudgedRecallLog log, List<Episode> episodes) {
        log.append(episodes);
        router.tell(new TuningSchedulers.FeedbackArrived(episodes));
    }

    private static Set<String> running(ActorRef<TuningSchedulers.Command> router) {
        TestProbe<Set<String>> probe = testKit.createTestProbe();
        router.tell(new TuningSchedulers.GetRunning(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    private static TuningScheduler.Status status(ActorRef<TuningSchedulers.Command> router, String tenant) {
        TestProbe<TuningScheduler.Status> probe = testKit.createTestProbe();
        router.tell(new TuningSchedulers.ToTenant(tenant, new TuningScheduler.GetStatus(probe.ref())));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    @Test
    void anIdleSchedulerStopsAndTheNextEventRestartsItWithItsCountsIntact() {
        JudgedFeedback feedback = new JudgedFeedback("idle-a");
        JudgedRecallLog log = new JudgedRecallLog(dataDir, 4, Duration.ofHours(1), clock);
        ActorRef<TuningSchedulers.Command> router = testKit.spawn(TuningSchedulers.create(
                config(), sink, versions, (tenant, id) -> feedback.lookup(id), clock, Runnable::run, log));

        deliver(router, log, feedback.judged(5));
        Await.until("a round's job", Duration.ofSeconds(10), () -> sink.jobs.size() == 1);
        router.tell(new TuningSchedulers.ToTenant(
                feedback.tenant, new TuningScheduler.JobPublished(sink.last().jobId(), 1, AdapterStatus.CANDIDATE)));
        deliver(router, log, feedback.judged(3));
        TuningScheduler.Status before = status(router, feedback.tenant);
        assertThat(before.roundsSucceeded()).isEqualTo(1);
        assertThat(before.newJudged()).isEqualTo(3);
        assertThat(before.remembered()).isEqualTo(5);
        assertThat(running(router)).containsExactly(feedback.tenant);
        assertThat(log.residentTenants()).contains(feedback.tenant);

        clock.advance(Duration.ofMinutes(6));
        Await.until(
                "the idle scheduler stopped",
                Duration.ofSeconds(10),
                () -> running(router).isEmpty());
        assertThat(log.residentTenants()).as("its feedback left the heap").doesNotContain(feedback.tenant);

        deliver(router, log, feedback.judged(1));
        assertThat(running(router)).containsExactly(feedback.tenant);
        TuningScheduler.Status after = status(router, feedback.tenant);
        assertThat(after.newJudged()).as("3 from the log, 1 new").isEqualTo(4);
        assertThat(after.remembered()).isEqualTo(5);
        assertThat(after.roundsStarted()).isEqualTo(1);
        assertThat(after.roundsSucceeded()).isEqualTo(1);
        assertThat(after.lastTargetVersion()).isEqualTo(1);
        assertThat(after.inFlightJobId()).isNull();

        // And it goes on from there: one more makes the next round, whose version is above the last.
        deliver(router, log, feedback.judged(1));
        Await.until("the next round's job", Duration.ofSeconds(10), () -> sink.jobs.size() == 2);
        assertThat(sink.last().targetVersion()).isEqualTo(2);
        assertThat(sink.last().examples())
                .as("the 5 new judged episodes, trained once")
                .isNotEmpty();
    }

    @Test
    void aSchedulerWithARoundInFlightDoesNotStop() {
        JudgedFeedback busy = new JudgedFeedback("idle-busy");
        JudgedFeedback quiet = new JudgedFeedback("idle-quiet");
        JudgedRecallLog log = new JudgedRecallLog(dataDir, 4, Duration.ofHours(1), clock);
        ActorRef<TuningSchedulers.Command> router = testKit.spawn(TuningSchedulers.create(
                config(),
                sink,
                versions,
                (tenant, id) -> (tenant.equals(busy.tenant) ? busy : quiet).lookup(id),
                clock,
                Runnable::run,
                log));
        deliver(router, log, busy.judged(5));
        Await.until("a round's job", Duration.ofSeconds(10), () -> sink.jobs.size() == 1);
        deliver(router, log, quiet.judged(1));
        assertThat(running(router)).containsExactlyInAnyOrder(busy.tenant, quiet.tenant);

        clock.advance(Duration.ofMinutes(6));
        // The quiet one stopping shows that ticks ran past idleAfter; the busy one waits for its job.
        Await.until(
                "the quiet scheduler stopped",
                Duration.ofSeconds(10),
                () -> !running(router).contains(quiet.tenant));
        assertThat(running(router)).containsExactly(busy.tenant);
        assertThat(status(router, busy.tenant).inFlightJobId())
                .isEqualTo(sink.jobs.get(0).jobId());
    }
}
