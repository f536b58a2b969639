package dev.engram.node.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's meters, scraped as Prometheus text at {@code GET /metrics}:
 *
 * <ul>
 *   <li>{@code engram_events_ingested_total}: new cases written to the store</li>
 *   <li>{@code engram_events_duplicate_total}: valid events whose id the store already held</li>
 *   <li>{@code engram_events_invalid_total}: records that failed decoding or validation</li>
 *   <li>{@code engram_events_dead_lettered_total}: dead letters acknowledged by the broker</li>
 *   <li>{@code engram_ingest_batches_failed_total}: batches that exhausted their retries and were
 *       redelivered</li>
 *   <li>{@code engram_ingest_batch_seconds}: receipt to durable index commit, per batch</li>
 *   <li>{@code engram_recall_seconds}: HTTP recall, embedding included</li>
 *   <li>{@code engram_consumer_lag}: records behind the end of the assigned feedback partitions</li>
 *   <li>{@code resilience4j_*}: the named retries, breakers and time limiters</li>
 * </ul>
 */
public final class NodeMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter ingested;
    private final Counter duplicates;
    private final Counter invalid;
    private final Counter deadLettered;
    private final Counter batchesFailed;
    private final Timer batchLatency;
    private final Timer recallLatency;
    private final AtomicLong consumerLag = new AtomicLong();

    public NodeMetrics() {
        ingested = Counter.builder("engram.events.ingested").description("New cases written to the store")
                .register(registry);
        duplicates = Counter.builder("engram.events.duplicate")
                .description("Valid events whose event id the store already held").register(registry);
        invalid = Counter.builder("engram.events.invalid")
                .description("Records that failed decoding or validation").register(registry);
        deadLettered = Counter.builder("engram.events.dead.lettered")
                .description("Dead letters acknowledged by the broker").register(registry);
        batchesFailed = Counter.builder("engram.ingest.batches.failed")
                .description("Batches that exhausted their retries and were redelivered").register(registry);
        batchLatency = Timer.builder("engram.ingest.batch").description("Batch receipt to durable index commit")
                .publishPercentiles(0.5, 0.99).register(registry);
        recallLatency = Timer.builder("engram.recall").description("Recall over HTTP, embedding included")
                .publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder("engram.consumer.lag", consumerLag, AtomicLong::get)
                .description("Records behind the end of the assigned feedback partitions").register(registry);
    }

    /** The registry, for binding more meters (e.g. Resilience4j's). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Everything, in the Prometheus text format. */
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

    public void batchFailed() {
        batchesFailed.increment();
    }

    public void recallDone(Duration took) {
        recallLatency.record(took);
    }

    public void consumerLag(long records) {
        consumerLag.set(records);
    }

    public double ingestedTotal() {
        return ingested.count();
    }

    public double invalidTotal() {
        return invalid.count();
    }
}
