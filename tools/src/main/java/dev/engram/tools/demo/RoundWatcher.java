package dev.engram.tools.demo;

import dev.engram.node.EngramNode;
import dev.engram.node.registry.AdapterVersionView;
import dev.engram.node.registry.AdapterView;
import dev.engram.node.tuning.TuningScheduler;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.streams.AdapterKey;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingProgress;
import dev.engram.tools.internal.ProgressBar;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows one training round of a tenant from the outside, the way an operator would: the
 * scheduler's status (job started, failed), the worker's progress events on
 * {@code engram.training-progress} (a progress bar over the optimizer steps), and the node's
 * adapter registry (the gate's verdict, then the hot-swap).
 */
final class RoundWatcher implements AutoCloseable {

    /** The verdict on a round's candidate as the node's registry recorded it. */
    record Verdict(AdapterVersionView version, double secondsToVerdict) {}

    private static final Duration POLL = Duration.ofMillis(200);

    private final EngramNode node;
    private final String tenant;
    private final String adapterName;
    private final PrintStream out;
    private final boolean progressBars;
    private final KafkaConsumer<String, byte[]> progress;

    RoundWatcher(EngramNode node, String tenant, PrintStream out, boolean progressBars) {
        this.node = node;
        this.tenant = tenant;
        this.adapterName = TuningSchedulerConfig.adapterName(tenant);
        this.out = out;
        this.progressBars = progressBars;
        this.progress =
                KafkaClientFactory.consumer(node.kafka(), null, Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100));
        TopicPartition partition = new TopicPartition(Topics.TRAINING_PROGRESS, 0);
        progress.assign(List.of(partition));
        progress.seekToEnd(List.of(partition));
        progress.position(partition);
    }

    /** The newest version the registry has recorded for the tenant's adapter, 0 when none. */
    long newestVersion() {
        AdapterView view = node.adapters().adapter(adapterName);
        return view == null
                ? 0
                : view.versions().stream()
                        .mapToLong(AdapterVersionView::version)
                        .max()
                        .orElse(0);
    }

    /**
     * Waits for the registry's verdict on the first version newer than {@code after}, showing the
     * round's progress meanwhile.
     *
     * @throws IllegalStateException after {@code timeout}, naming what the scheduler last said
     */
    Verdict awaitVerdict(long after, Duration timeout) {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        ProgressBar bar = null;
        String lastPhase = "";
        String lastNote = "";
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : progress.poll(POLL)) {
                TrainingProgress p;
                try {
                    p = ContinualCodec.decodeTrainingProgress(r.value());
                } catch (RuntimeException e) {
                    continue;
                }
                if (!p.tenant().equals(tenant)) {
                    continue;
                }
                if (p.phase() == TrainingProgress.Phase.TRAINING && p.totalSteps() > 0) {
                    if (bar == null) {
                        bar = new ProgressBar(out, "train", p.totalSteps(), progressBars);
                    }
                    bar.update(p.step());
                    lastPhase = "TRAINING";
                    continue;
                }
                if (bar != null && p.phase() != TrainingProgress.Phase.TRAINING && "TRAINING".equals(lastPhase)) {
                    bar.finish(bar.total(), "optimizer steps of job " + p.jobId());
                }
                if (!p.phase().name().equals(lastPhase)) {
                    lastPhase = p.phase().name();
                    out.printf(
                            Locale.ROOT,
                            "    worker   %-10s %s%s%n",
                            p.phase().name().toLowerCase(Locale.ROOT),
                            p.jobId(),
                            p.detail().isEmpty() ? "" : ": " + p.detail());
                }
            }
            Optional<AdapterVersionView> verdict = verdictAfter(after);
            if (verdict.isPresent()) {
                if (bar != null && "TRAINING".equals(lastPhase)) {
                    bar.finish(bar.total(), "optimizer steps");
                }
                return new Verdict(verdict.get(), (System.nanoTime() - started) / 1e9);
            }
            String note = schedulerNote();
            if (!note.isEmpty() && !note.equals(lastNote)) {
                out.println("    tuning   " + note);
                lastNote = note;
            }
        }
        throw new IllegalStateException("no adapter version after v" + after + " of " + adapterName + " within "
                + timeout + "; the scheduler last said: '" + schedulerNote() + "' (GET " + node.httpUrl()
                + "/v1/adapters lists what the node has seen)");
    }

    /**
     * Waits until recall for the tenant is served by {@code version}.
     *
     * @return seconds waited
     */
    double awaitServing(long version, Duration timeout) {
        String label = AdapterKey.version(adapterName, version).toString();
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        while (!node.adapters().servingLabel(tenant).equals(label)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(label + " was promoted but the node still serves "
                        + node.adapters().servingLabel(tenant) + " after " + timeout);
            }
            CaseSeeder.pause();
        }
        return (System.nanoTime() - started) / 1e9;
    }

    private Optional<AdapterVersionView> verdictAfter(long after) {
        AdapterView view = node.adapters().adapter(adapterName);
        if (view == null) {
            return Optional.empty();
        }
        return view.versions().stream()
                .filter(v -> v.version() > after)
                .filter(v -> v.status() == AdapterStatus.PROMOTED || v.status() == AdapterStatus.REJECTED)
                .min(Comparator.comparingLong(AdapterVersionView::version));
    }

    private String schedulerNote() {
        return node.tuning()
                .map(loop -> {
                    try {
                        TuningScheduler.Status s = loop.status(tenant).get(5, TimeUnit.SECONDS);
                        return s.lastNote();
                    } catch (Exception e) {
                        return "";
                    }
                })
                .orElse("");
    }

    @Override
    public void close() {
        progress.close();
    }
}
