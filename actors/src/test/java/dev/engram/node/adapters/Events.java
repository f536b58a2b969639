package dev.engram.node.adapters;

import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.LoraTrainingConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Adapter events for tests: real PEFT files when given, placeholder bytes otherwise. */
public final class Events {

    public static final String MINILM = "sentence-transformers/all-MiniLM-L6-v2";
    public static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    private Events() {
    }

    /** Held-out {@code parent -> held}, no retention sample. */
    public static AdapterMetrics metrics(double parent, double held) {
        return new AdapterMetrics(held, parent, 20, null, null, 0, Map.of());
    }

    /** Held-out and retention figures. */
    public static AdapterMetrics metrics(double parent, double held, double parentRetention, double retention) {
        return new AdapterMetrics(held, parent, 20, retention, parentRetention, 10, Map.of());
    }

    /** A version with placeholder files (for bookkeeping tests that never load it). */
    public static AdapterPublished placeholder(String name, String tenant, long version, AdapterStatus status,
            AdapterMetrics metrics) {
        return event(name, tenant, version, status, metrics, List.of(
                new AdapterFile(AdapterFile.PEFT_CONFIG, ("{\"v\":" + version + "}").getBytes(StandardCharsets.UTF_8)),
                new AdapterFile(AdapterFile.PEFT_WEIGHTS, new byte[] {(byte) version, 1, 2, 3})));
    }

    /** A version with the given files. */
    public static AdapterPublished event(String name, String tenant, long version, AdapterStatus status,
            AdapterMetrics metrics, List<AdapterFile> files) {
        return AdapterPublished.of(name, tenant, version, version == 1 ? null : version - 1, MINILM,
                AdapterMethod.LORA_QUERY_SIDE, LoraTrainingConfig.defaults(), metrics, status,
                status == AdapterStatus.REJECTED ? "rejected by the test" : "", "job-" + name + "-" + version, files, AT);
    }
}
