package dev.engram.node.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.MutableClock;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TrainingExample;
import dev.engram.streams.TrainingJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler actor with an injected clock, a recording job sink and fixed adapter versions:
 * when rounds start (N, T), that they never overlap, what a job holds, and the circuit breaker.
 * Ticks are sent by the test (the timer's interval is an hour).
 */
class TuningSchedulerTest {

    private static ActorTestKit testKit;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
    private final RecordingSink sink = new RecordingSink();
    private final FixedVersions versions = new FixedVersions();
    private JudgedFeedback feedback;

    @BeforeAll
    static void startKit() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void tenant() {
        feedback = new JudgedFeedback("t" + System.nanoTime() % 1_000_000);
    }

    private static TuningSchedulerConfig.Builder config() {
        return TuningSchedulerConfig.builder()
                .tickInterval(Duration.ofHours(1))
                .lora(new LoraTrainingConfig(4, 8, 0.0, List.of("query", "value"), false, false, 1, 4, 1e-3, 7, 64));
    }

    /**
     * A started scheduler. It reads the clock when its setup runs on the actor's thread, so the test waits for
     * that before it advances the clock (otherwise "T has passed" races the spawn).
     */
    private ActorRef<TuningScheduler.Command> scheduler(TuningSchedulerConfig config) {
        ActorRef<TuningScheduler.Command> s = testKit.spawn(TuningScheduler.create(
                feedback.tenant, config, sink, versions, feedback::lookup, clock, Runnable::run));
        settle(s);
        return s;
    }

    /** The status once the messages the actor sent itself (job built, job sent) are handled. */
    private static TuningScheduler.Status settle(ActorRef<TuningScheduler.Command> scheduler) {
        TestProbe<TuningScheduler.Status> probe = testKit.createTestProbe();
        TuningScheduler.Status status = null;
        for (int i = 0; i < 3; i++) {
            scheduler.tell(new TuningScheduler.GetStatus(probe.ref()));
            status = probe.receiveMessage(Duration.ofSeconds(10));
        }
        return status;
    }

    @Test
    void aRoundStartsWhenNNewJudgedEpisodesArrived() {
        ActorRef<TuningScheduler.Command> s =
                scheduler(config().minNewJudged(20).build());
        s.tell(new TuningScheduler.FeedbackArrived(feedback.seeds())); // not judged: they do not count
        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(19)));
        assertThat(settle(s).newJudged()).isEqualTo(19);
        assertThat(sink.jobs).isEmpty();

        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(1)));
        TuningScheduler.Status status = settle(s);
        assertThat(sink.jobs).hasSize(1);
        TrainingJob job = sink.last();
        assertThat(status.inFlightJobId()).isEqualTo(job.jobId());
        assertThat(status.newJudged()).isZero();
        assertThat(job.tenant()).isEqualTo(feedback.tenant);
        assertThat(job.adapterName()).isEqualTo(feedback.tenant + "-retriever");
        assertThat(job.targetVersion()).isEqualTo(1);
        assertThat(job.baseAdapterVersion()).isNull();
        assertThat(job.config().r()).isEqualTo(4);
        // 20 episodes over 8 topics = 20 distinct tasks with one useful case each: 20 % held out = 4.
        assertThat(job.heldOut()).hasSize(4);
        assertThat(job.examples()).hasSize(16);
        assertThat(job.retention()).isEmpty();
        Set<String> heldOutTasks =
                job.heldOut().stream().map(HeldOutQuery::query).collect(Collectors.toSet());
        assertThat(job.examples()).extracting(TrainingExample::query).doesNotContainAnyElementsOf(heldOutTasks);
        for (HeldOutQuery q : job.heldOut()) {
            assertThat(q.candidates()).hasSize(2);
            assertThat(q.candidates().get(0).gain()).isEqualTo(1.0);
            assertThat(q.candidates().get(1).gain()).isEqualTo(0.0);
            assertThat(q.candidates().get(0).text()).contains(q.query().replaceAll(" \\(question \\d+\\)", ""));
        }
        TrainingExample first = job.examples().get(0);
        assertThat(first.hardNegatives()).hasSize(1).doesNotContain(first.positive());
    }

    @Test
    void aRoundStartsAfterTWhenSomeNewFeedbackArrived() {
        ActorRef<TuningScheduler.Command> s = scheduler(config().minNewJudged(1000)
                .maxInterval(Duration.ofMinutes(10))
                .minNewForInterval(3)
                .build());
        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(2)));
        clock.advance(Duration.ofMinutes(11));
        s.tell(new TuningScheduler.Tick());
        assertThat(settle(s).roundsStarted()).as("only 2 new, 3 needed").isZero();

        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(3)));
        assertThat(settle(s).roundsStarted()).isEqualTo(1);
        s.tell(new TuningScheduler.JobPublished(sink.last().jobId(), 1, AdapterStatus.CANDIDATE));
        assertThat(settle(s).inFlightJobId()).isNull();

        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(5)));
        s.tell(new TuningScheduler.Tick());
        assertThat(settle(s).roundsStarted())
                .as("T has not passed since the last round")
                .isEqualTo(1);
        clock.advance(Duration.ofMinutes(10));
        s.tell(new TuningScheduler.Tick());
        assertThat(settle(s).roundsStarted()).isEqualTo(2);
        assertThat(sink.last().targetVersion()).isEqualTo(2);
    }

    @Test
    void neverTwoRoundsAtOnceAndTheNextStartsFromTheServingVersion() {
        ActorRef<TuningScheduler.Command> s =
                scheduler(config().minNewJudged(10).build());
        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(10)));
        TrainingJob first = awaitJobs(s, 1).get(0);

        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(30)));
        s.tell(new TuningScheduler.Tick());
        TuningScheduler.Status waiting = settle(s);
        assertThat(sink.jobs).as("no second round while the first is in flight").hasSize(1);
        assertThat(waiting.newJudged()).isEqualTo(30);
        assertThat(waiting.inFlightJobId()).isEqualTo(first.jobId());

        s.tell(new TuningScheduler.JobPublished("someone-elses-job", 1, AdapterStatus.CANDIDATE));
        assertThat(settle(s).inFlightJobId()).isEqualTo(first.jobId());

        versions.highest = 1;
        versions.serving = 1L; // the gate promoted v1
        s.tell(new TuningScheduler.JobPublished(first.jobId(), 1, AdapterStatus.CANDIDATE));
        TrainingJob second = awaitJobs(s, 2).get(1);
        assertThat(second.targetVersion()).isEqualTo(2);
        assertThat(second.baseAdapterVersion()).isEqualTo(1L);
        assertThat(second.retention())
                .as("the first round's queries, to catch forgetting")
                .isNotEmpty();
        assertThat(second.examples().size())
                .as("new examples plus a replay of the first round's")
                .isGreaterThan(first.examples().size());
        TuningScheduler.Status status = settle(s);
        assertThat(status.roundsSucceeded()).isEqualTo(1);
        assertThat(status.remembered()).isEqualTo(10);
    }

    @Test
    void failedAndTimedOutJobsOpenTheBreakerUntilHalfOpen() {
        ActorRef<TuningScheduler.Command> s = scheduler(config().minNewJudged(5)
                .jobTimeout(Duration.ofMinutes(1))
                .breakerMinimumJobs(2)
                .breakerFailureRate(50)
                .breakerOpenFor(Duration.ofMinutes(10))
                .build());
        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(5)));
        TrainingJob first = awaitJobs(s, 1).get(0);

        s.tell(new TuningScheduler.JobFailed(first.jobId(), "weights exploded"));
        // Its episodes are kept for the next round, which is due at once.
        TrainingJob second = awaitJobs(s, 2).get(1);
        assertThat(second.targetVersion()).as("a version is never reused").isEqualTo(2);

        clock.advance(Duration.ofMinutes(2));
        s.tell(new TuningScheduler.Tick()); // no outcome within the time limit
        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(5)));
        TuningScheduler.Status open = settle(s);
        assertThat(open.roundsFailed()).isEqualTo(2);
        assertThat(open.breakerState()).isEqualTo("OPEN");
        assertThat(open.roundsRefused()).isPositive();
        assertThat(open.inFlightJobId()).isNull();
        assertThat(open.lastNote()).contains("circuit breaker");
        assertThat(sink.jobs).hasSize(2);

        clock.advance(Duration.ofMinutes(10).plusSeconds(1));
        s.tell(new TuningScheduler.Tick());
        TrainingJob trial = awaitJobs(s, 3).get(2);
        assertThat(settle(s).breakerState()).isEqualTo("HALF_OPEN");
        s.tell(new TuningScheduler.JobPublished(trial.jobId(), 3, AdapterStatus.CANDIDATE));
        assertThat(settle(s).breakerState()).isEqualTo("CLOSED");
    }

    @Test
    void feedbackWithoutAUsefulCaseStartsNoRoundAndSaysWhy() {
        ActorRef<TuningScheduler.Command> s = scheduler(config().minNewJudged(4).build());
        s.tell(new TuningScheduler.FeedbackArrived(feedback.useless(6)));
        TuningScheduler.Status status = settle(s);
        assertThat(sink.jobs).isEmpty();
        assertThat(status.lastNote()).contains("none has a known case judged useful");
        assertThat(status.breakerState()).isEqualTo("CLOSED");

        s.tell(new TuningScheduler.FeedbackArrived(feedback.judged(4)));
        assertThat(awaitJobs(s, 1)).hasSize(1);
    }

    /** A strategy that continues from the serving adapter: new examples plus a replay sample. */
    private static TuningSchedulerConfig.Builder continuing() {
        return config().lora(config().build().lora().withContinuation(LoraTrainingConfig.Continuation.CONTINUE));
    }

    @Test
    void retrainingFromTheBaseSeesEveryOlderExampleWhateverTheReplayShare() {
        List<dev.engram.memory.Episode> older = feedback.judged(40);
        List<dev.engram.memory.Episode> fresh = feedback.judged(10);
        TuningSchedulerConfig config = config().lora(
                        config().build().lora().withContinuation(LoraTrainingConfig.Continuation.RETRAIN_FROM_BASE))
                .replayFraction(0)
                .build();
        TrainingJob job = new TrainingJobBuilder(config)
                .build(feedback.tenant, 2, 1L, fresh, older, feedback::lookup, clock.instant())
                .job()
                .orElseThrow();
        assertThat(job.examples())
                .as("8 new examples (2 tasks held out) and all 40 older")
                .hasSize(8 + 40);
        assertThat(job.config().continuation()).isEqualTo(LoraTrainingConfig.Continuation.RETRAIN_FROM_BASE);
    }

    @Test
    void theReplayIsASampleOfOlderFeedbackBoundedByTheNewFeedback() {
        List<dev.engram.memory.Episode> older = feedback.judged(40);
        List<dev.engram.memory.Episode> fresh = feedback.judged(10);
        Instant at = clock.instant();
        TrainingJob half = new TrainingJobBuilder(continuing().build())
                .build(feedback.tenant, 2, 1L, fresh, older, feedback::lookup, at)
                .job()
                .orElseThrow();
        // 10 new tasks, 2 held out: 8 new examples, and at most 0.5 per new example replayed.
        Set<String> freshTasks = fresh.stream().map(e -> e.task().strip()).collect(Collectors.toSet());
        long replayed = half.examples().stream()
                .filter(e -> !freshTasks.contains(e.query()))
                .count();
        assertThat(half.examples().size() - replayed).isEqualTo(8);
        assertThat(replayed).isEqualTo(4);

        TrainingJob none = new TrainingJobBuilder(continuing().replayFraction(0).build())
                .build(feedback.tenant, 2, 1L, fresh, older, feedback::lookup, at)
                .job()
                .orElseThrow();
        assertThat(none.examples())
                .extracting(TrainingExample::query)
                .allMatch(freshTasks::contains)
                .hasSize(8);
        TrainingJob all = new TrainingJobBuilder(continuing().replayFraction(10).build())
                .build(feedback.tenant, 2, 1L, fresh, older, feedback::lookup, at)
                .job()
                .orElseThrow();
        assertThat(all.examples())
                .as("every older example, when the share allows")
                .hasSize(8 + 40);
    }

    @Test
    void theSameRoundBuildsTheSameJob() {
        TrainingJobBuilder builder = new TrainingJobBuilder(config().build());
        List<dev.engram.memory.Episode> episodes = feedback.judged(30);
        Instant at = clock.instant();
        TrainingJob a = builder.build(feedback.tenant, 3, 2L, episodes, List.of(), feedback::lookup, at)
                .job()
                .orElseThrow();
        TrainingJob b = builder.build(feedback.tenant, 3, 2L, episodes, List.of(), feedback::lookup, at)
                .job()
                .orElseThrow();
        assertThat(a).isEqualTo(b);
        assertThat(a.jobId()).isEqualTo(feedback.tenant + "-v3-" + at.toEpochMilli());
        TrainingJob other = builder.build(feedback.tenant, 4, 2L, episodes, List.of(), feedback::lookup, at)
                .job()
                .orElseThrow();
        assertThat(other.heldOut()).as("another round, another seeded split").isNotEqualTo(a.heldOut());
    }

    @Test
    void aTaskHeldOutOnceIsHeldOutAgainWhenItRecursAndNeverTrainedOn() {
        ActorRef<TuningScheduler.Command> s =
                scheduler(config().minNewJudged(20).build());
        List<dev.engram.memory.Episode> first = feedback.judged(20);
        s.tell(new TuningScheduler.FeedbackArrived(first));
        TrainingJob round1 = awaitJobs(s, 1).get(0);
        versions.highest = 1;
        versions.serving = 1L;
        s.tell(new TuningScheduler.JobPublished(round1.jobId(), 1, AdapterStatus.CANDIDATE));

        // The agents work through the same 20 tasks again: new events, the same task texts.
        s.tell(new TuningScheduler.FeedbackArrived(feedback.again(first)));
        TrainingJob round2 = awaitJobs(s, 2).get(1);

        Set<String> heldOut1 =
                round1.heldOut().stream().map(HeldOutQuery::query).collect(Collectors.toSet());
        Set<String> heldOut2 =
                round2.heldOut().stream().map(HeldOutQuery::query).collect(Collectors.toSet());
        assertThat(heldOut1).hasSize(4);
        assertThat(heldOut2)
                .as("the recurring held-out tasks are held out again")
                .containsAll(heldOut1);
        assertThat(round2.examples())
                .extracting(TrainingExample::query)
                .as("new and replayed examples alike")
                .doesNotContainAnyElementsOf(heldOut1);
        assertThat(round2.retention()).extracting(HeldOutQuery::query).doesNotContainAnyElementsOf(heldOut1);
        assertThat(round2.examples()).as("the other 16 tasks, new and replayed").isNotEmpty();
    }

    @Test
    void heldOutTasksSurviveARestartOfTheScheduler(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        dev.engram.node.tuning.JudgedRecallLog log = new dev.engram.node.tuning.JudgedRecallLog(dir);
        TuningSchedulerConfig config = config().minNewJudged(20).build();
        List<dev.engram.memory.Episode> first = feedback.judged(20);
        log.append(first);
        ActorRef<TuningScheduler.Command> before = testKit.spawn(TuningScheduler.create(
                feedback.tenant, config, sink, versions, feedback::lookup, clock, Runnable::run, log));
        before.tell(new TuningScheduler.FeedbackArrived(first));
        TrainingJob round1 = awaitJobs(before, 1).get(0);
        versions.highest = 1;
        versions.serving = 1L;
        before.tell(new TuningScheduler.JobPublished(round1.jobId(), 1, AdapterStatus.CANDIDATE));
        settle(before);
        testKit.stop(before);

        ActorRef<TuningScheduler.Command> after = testKit.spawn(TuningScheduler.create(
                feedback.tenant, config, sink, versions, feedback::lookup, clock, Runnable::run, log));
        List<dev.engram.memory.Episode> again = feedback.again(first);
        log.append(again);
        after.tell(new TuningScheduler.FeedbackArrived(again));
        TrainingJob round2 = awaitJobs(after, 2).get(1);

        Set<String> heldOut1 =
                round1.heldOut().stream().map(HeldOutQuery::query).collect(Collectors.toSet());
        assertThat(round2.heldOut()).extracting(HeldOutQuery::query).containsAll(heldOut1);
        assertThat(round2.examples()).extracting(TrainingExample::query).doesNotContainAnyElementsOf(heldOut1);
    }

    private List<TrainingJob> awaitJobs(ActorRef<TuningScheduler.Command> s, int n) {
        for (int i = 0; i < 20 && sink.jobs.size() < n; i++) {
            settle(s);
        }
        assertThat(sink.jobs).hasSize(n);
        return sink.jobs;
    }
}
