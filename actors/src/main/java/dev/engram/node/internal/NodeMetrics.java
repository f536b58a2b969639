package dev.engram.node.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The node's meters, scraped as Prometheus text at {@code GET /metrics}:
 *
 * <ul>
 *   <li>{@code engram_events_ingested_total}: new cases written to the store</li>
 *   <li>{@code engram_events_duplicate_total}: valid events whose id the store already held</li>
 *   <li>{@code engram_events_invalid_total}: records that failed decoding or validation</li>
 *   <li>{@code engram_events_dead_lettered_total}: dead letters published (acknowledged by the
 *       broker, or skipped as undeliverable, see below)</li>
 *   <li>{@code engram_dead_letters_shrunk_total}: dead letters the dead-letter topic could not hold
 *       whole, sent shrunk (key once, original cut) or stripped (coordinates and reason only)</li>
 *   <li>{@code engram_dead_letters_skipped_total}: dead letters the topic refused even stripped;
 *       their record is skipped with an ERROR log naming it, never retried forever</li>
 *   <li>{@code engram_ingest_batches_failed_total}: a partition's records in a batch that failed
 *       after the store-write retries (or got no answer); that partition is redelivered</li>
 *   <li>{@code engram_ingest_partitions_stalled}: assigned partitions whose last delivery failed
 *       and that have not moved since (what {@code /health} reports as DEGRADED)</li>
 *   <li>{@code engram_ingest_batch_seconds}: receipt to written (searchable), per batch; with the
 *       index commit when the batch ends with one</li>
 *   <li>{@code engram_ingest_index_commit_seconds}: the ingest path's Lucene index commits (with
 *       the Kafka offsets they hold), retries included; its count is the number of commits</li>
 *   <li>{@code engram_recall_seconds}: HTTP recall, embedding included</li>
 *   <li>{@code engram_consumer_lag}: records behind the end of the assigned feedback partitions
 *       (end offset minus position, so a rewound partition counts what it must read again)</li>
 *   <li>{@code engram_consumer_partition_lag{partition}}: the same, per partition</li>
 *   <li>{@code engram_adapters_controls_refused_total}: control records on {@code engram.adapters}
 *       (pin, unpin, rollback) the node skipped: unsigned, signed by a node key it does not trust,
 *       altered, replayed or unreadable</li>
 *   <li>{@code resilience4j_*}: the named retries, breakers and time limiters</li>
 * </ul>
 */
public final class NodeMetrics {

    /**
     * How far back {@link #partitionLagPeak()} looks: longer than the console's overview interval (2 s),
     * so every overview sees each measurement at least once.
     */
    public static final Duration LAG_PEAK_WINDOW = Duration.ofSeconds(5);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter ingested;
    private final Counter duplicates;
    private final Counter invalid;
    private final Counter deadLettered;
    private final Counter batchesFailed;
    private final Timer indexCommits;
    private final Counter deadLettersShrunk;
    private final Counter deadLettersSkipped;
    private final AtomicInteger partitionsStalled = new AtomicInteger();
    private final MultiGauge partitionLag;
    private final Timer batchLatency;
    private final Timer recallLatency;
    private final Counter recallsRefused;
    private final AtomicLong consumerLag = new AtomicLong();
    private volatile Map<String, Long> lagByPartition = Map.of();
    private final LagPeaks lagPeaks = new LagPeaks(LAG_PEAK_WINDOW, System::nanoTime);
    private volatile LongSupplier refusedControls = () -> 0;

    public NodeMetrics() {
        ingested = Counter.builder("engram.events.ingested")
                .description("New cases written to the store")
                .register(registry);
        duplicates = Counter.builder("engram.events.duplicate")
                .description("Valid events whose event id the store already held")
                .register(registry);
        invalid = Counter.builder("engram.events.invalid")
                .description("Records that failed decoding or validation")
                .register(registry);
        deadLettered = Counter.builder("engram.events.dead.lettered")
                .description("Dead letters published (acknowledged, or skipped as undeliverable)")
                .register(registry);
        deadLettersShrunk = Counter.builder("engram.dead.letters.shrunk")
                .description("Dead letters too large for their topic, sent shrunk or stripped")
                .register(registry);
        deadLettersSkipped = Counter.builder("engram.dead.letters.skipped")
                .description("Dead letters the topic refused even stripped; their records were skipped")
                .register(registry);
        batchesFailed = Counter.builder("engram.ingest.batches.failed")
                .description("A partition's records in a batch that failed after the store-write retries")
                .register(registry);
        Gauge.builder("engram.ingest.partitions.stalled", partitionsStalled, AtomicInteger::get)
                .description("Assigned partitions whose last delivery failed and that have not moved since")
                .register(registry);
        partitionLag = MultiGauge.builder("engram.consumer.partition.lag")
                .description("Records behind the end of one assigned feedback partition")
                .register(registry);
        batchLatency = Timer.builder("engram.ingest.batch")
                .description(
                        "Batch receipt to written (searchable), with the index commit when the batch ends with one")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        indexCommits = Timer.builder("engram.ingest.index.commit")
                .description(
                        "Lucene index commits of the ingest path, with the Kafka offsets they hold (retries included)")
                .register(registry);
        recallLatency = Timer.builder("engram.recall")
                .description("Recall over HTTP, embedding included")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        // Held by this object (a FunctionCounter keeps only a weak reference to what it reads).
        FunctionCounter.builder("engram.adapters.controls.refused", this, m -> m.refusedControls.getAsLong())
                .description("Control records on engram.adapters skipped: unsigned, untrusted, altered, replayed or "
                        + "unreadable")
                .register(registry);
        recallsRefused = Counter.builder("engram.recall.refused")
                .description("Recalls answered 429 because the node ran its most recalls at once")
                .register(registry);
        Gauge.builder("engram.consumer.lag", consumerLag, AtomicLong::get)
                .description("Records behind the end of the assigned feedback partitions")
                .register(registry);
    }

    /** The registry, for binding more meters (e.g. Resilience4j's). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Everything, in the Prometheus text format. */
    /** Where {@code engram_adapters_controls_refused_total} is read from at each scrape. */
    public void refusedControls(LongSupplier refused) {
        this.refusedControls = java.util.Objects.requireNonNull(refused, "refused");
    }

    public String scrape() {
        return registry.scrape();
    }

    public void batchDone(int newCases, int duplicateEvents, int invalidRecords, int deadLetters, Duration took) {
        ingested.increment(newCases);
        duplicates.increment(duplicateEvents);
        invalid.increment(invalidRecords);
        deadLettered.increment(deadLetters);
        batchLatency.record(took);
    }

    /** The ingest path made its written cases durable with an index commit that took {@code took}. */
    public void indexCommitted(Duration took) {
        indexCommits.record(took);
    }

    public void batchFailed() {
        batchesFailed.increment();
    }

    public void recallDone(Duration took) {
        recallLatency.record(took);
    }

    /** A recall was refused: the node already ran its most recalls at once. */
    public void recallRefused() {
        recallsRefused.increment();
    }

    public double recallsRefusedTotal() {
        return recallsRefused.count();
    }

    /** The lag of each assigned partition (by {@code topic-partition}); the total is their sum. */
    public void consumerLag(Map<String, Long> byPartition) {
        consumerLag.set(byPartition.values().stream().mapToLong(Long::longValue).sum());
        // Peaks first: whoever reads the latest lag and then the peaks finds the peaks at least as high.
        lagPeaks.record(byPartition);
        lagByPartition = Map.copyOf(byPartition);
        List<MultiGauge.Row<?>> rows = byPartition.entrySet().stream()
                .<MultiGauge.Row<?>>map(e -> MultiGauge.Row.of(Tags.of("partition", e.getKey()), e.getValue()))
                .toList();
        partitionLag.register(rows, true);
    }

    public long consumerLag() {
        return consumerLag.get();
    }

    /** The lag of each assigned partition (by {@code topic-partition}), as last measured. */
    public Map<String, Long> partitionLag() {
        return lagByPartition;
    }

    /**
     * The highest lag measured per assigned partition over the last {@link #LAG_PEAK_WINDOW}. Lag is
     * measured after each poll and as each batch is fetched (when its records are not yet durable), so
     * a burst that is written within one poll still shows here, though the current lag never saw it.
     */
    public Map<String, Long> partitionLagPeak() {
        return lagPeaks.peaks();
    }

    /** Recalls served over HTTP since the node started. */
    public long recallCount() {
        return recallLatency.count();
    }

    /**
     * The recall latency at {@code percentile} (0.5 or 0.99, the ones published) in milliseconds, over
     * Micrometer's decaying window (about the last two minutes); NaN before the first recall.
     */
    public double recallLatencyMillis(double percentile) {
        for (var value : recallLatency.takeSnapshot().percentileValues()) {
            if (value.percentile() == percentile) {
                return recallLatency.count() == 0
                        ? Double.NaN
                        : value.value(java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        throw new IllegalArgumentException("recall latency publishes p50 and p99 only, not " + percentile);
    }

    public double deadLetteredTotal() {
        return deadLettered.count();
    }

    public void partitionsStalled(int partitions) {
        partitionsStalled.set(partitions);
    }

    public void deadLetterShrunk() {
        deadLettersShrunk.increment();
    }

    public void deadLetterSkipped() {
        deadLettersSkipped.increment();
    }

    public double deadLettersSkippedTotal() {
        return deadLettersSkipped.count();
    }

    public double deadLettersShrunkTotal() {
        return deadLettersShrunk.count();
    }

    public double ingestedTotal() {
        return ingested.count();
    }

    public double invalidTotal() {
        return invalid.count();
    }
}
