package dev.engram.node.adapters;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node serves adapters, with the defaults in one place:
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code gate}</td><td>{@link PromotionGate#defaults()}: gain &ge; 0.0, retention loss
 *       &le; 0.01</td><td>the evaluation gate applied to {@code CANDIDATE} versions</td></tr>
 *   <tr><td>{@code publishDecisions}</td><td>{@code true}</td><td>once caught up with the topic,
 *       re-publish each gated candidate as {@code PROMOTED} / {@code REJECTED} (same key, same
 *       payload), so runtimes and other nodes see the decision; duplicates from several nodes are
 *       harmless (same content, compacted)</td></tr>
 *   <tr><td>{@code pollTimeout}</td><td>100 ms</td><td>longest single {@code poll} of the adapters
 *       topic (a new record is returned as soon as it arrives; this bounds only idle polls)</td></tr>
 *   <tr><td>{@code controlTimeout}</td><td>10 s</td><td>how long a pin / unpin / rollback waits for
 *       the node to read its own control back before answering</td></tr>
 * </table>
 *
 * <pre>{@code
 * AdapterServingConfig config = AdapterServingConfig.defaults().withGate(new PromotionGate(0.005, 0.01));
 * }</pre>
 */
public record AdapterServingConfig(PromotionGate gate, boolean publishDecisions, Duration pollTimeout,
        Duration controlTimeout) {

    public AdapterServingConfig {
        Objects.requireNonNull(gate, "adapterServingConfig.gate is required (PromotionGate.defaults())");
        positive(pollTimeout, "pollTimeout");
        positive(controlTimeout, "controlTimeout");
    }

    /** Every default. */
    public static AdapterServingConfig defaults() {
        return new AdapterServingConfig(PromotionGate.defaults(), true, Duration.ofMillis(100), Duration.ofSeconds(10));
    }

    public AdapterServingConfig withGate(PromotionGate value) {
        return new AdapterServingConfig(value, publishDecisions, pollTimeout, controlTimeout);
    }

    public AdapterServingConfig withPublishDecisions(boolean value) {
        return new AdapterServingConfig(gate, value, pollTimeout, controlTimeout);
    }

    public AdapterServingConfig withPollTimeout(Duration value) {
        return new AdapterServingConfig(gate, publishDecisions, value, controlTimeout);
    }

    public AdapterServingConfig withControlTimeout(Duration value) {
        return new AdapterServingConfig(gate, publishDecisions, pollTimeout, value);
    }

    private static void positive(Duration d, String field) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("adapterServingConfig." + field + " must be a positive duration, was " + d);
        }
    }
}
