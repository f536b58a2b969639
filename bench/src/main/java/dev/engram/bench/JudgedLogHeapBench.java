package dev.engram.bench;

import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.node.tuning.JudgedRecallLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The judged-feedback log's heap (not a test; prints figures): T tenants with E judged episodes
 * each are written to disk, then read by a log that keeps every tenant in the heap (what the log
 * did before it was bounded) and by one that keeps at most R; the heap each holds after a full
 * GC, and what reading an evicted tenant back from disk costs.
 *
 * <pre>
 * bench/run JudgedLogHeapBench [--tenants 200] [--episodes 500] [--resident 16]
 * </pre>
 */
public final class JudgedLogHeapBench {

    private JudgedLogHeapBench() {}

    public static void main(String[] args) throws IOException {
        int tenants = intArg(args, "--tenants", 200);
        int episodes = intArg(args, "--episodes", 500);
        int resident = intArg(args, "--resident", 16);
        Path dir = Files.createTempDirectory("engram-judged-heap");
        try {
            JudgedRecallLog writer = new JudgedRecallLog(dir);
            for (int t = 0; t < tenants; t++) {
                writer.append(episodes("tenant-" + t, episodes));
            }
            writer = null;
            long diskBytes;
            try (Stream<Path> files = Files.list(dir.resolve("judged"))) {
                diskBytes = files.mapToLong(p -> p.toFile().length()).sum();
            }
            long base = usedAfterGc();

            JudgedRecallLog unbounded = new JudgedRecallLog(dir, tenants, Duration.ofDays(1), Clock.systemUTC());
            touchAll(unbounded, tenants);
            long unboundedBytes = usedAfterGc() - base;
            System.out.printf(
                    Locale.ROOT,
                    "every tenant resident: %d tenants, %,d episodes in heap, %.1f MB%n",
                    unbounded.residentTenants().size(),
                    unbounded.residentEntries(),
                    unboundedBytes / 1e6);
            unbounded = null;
            base = usedAfterGc();

            JudgedRecallLog bounded = new JudgedRecallLog(dir, resident, Duration.ofMinutes(10), Clock.systemUTC());
            touchAll(bounded, tenants);
            long boundedBytes = usedAfterGc() - base;
            System.out.printf(
                    Locale.ROOT,
                    "at most %d resident: %d tenants, %,d episodes in heap, %.1f MB%n",
                    resident,
                    bounded.residentTenants().size(),
                    bounded.residentEntries(),
                    boundedBytes / 1e6);

            long started = System.nanoTime();
            bounded.snapshot("tenant-0"); // evicted long ago: read back from disk
            double reloadMs = (System.nanoTime() - started) / 1e6;
            System.out.printf(
                    Locale.ROOT,
                    "reading an evicted tenant back (%d episodes): %.1f ms; on disk %.1f MB " + "for all tenants%n",
                    episodes,
                    reloadMs,
                    diskBytes / 1e6);
            System.out.printf(
                    Locale.ROOT,
                    "heap: %.1f MB -> %.1f MB (%.0fx less)%n",
                    unboundedBytes / 1e6,
                    boundedBytes / 1e6,
                    unboundedBytes / (double) Math.max(1, boundedBytes));
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void touchAll(JudgedRecallLog log, int tenants) {
        for (int t = 0; t < tenants; t++) {
            log.snapshot("tenant-" + t);
        }
    }

    /** Episodes of a realistic size: a task, a plan and an outcome of a few sentences, three judged cases. */
    private static List<Episode> episodes(String tenant, int n) {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        List<Episode> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String task = "customer " + i + " reports that the parcel arrived damaged and asks for a refund or a "
                    + "replacement before the weekend";
            String plan = "checked the order history, asked for a photo of the damage, offered a replacement with "
                    + "express shipping and a voucher of ten percent for the inconvenience, logged case " + i;
            String outcome = "customer accepted the replacement; photo attached to the claim " + i;
            out.add(new Episode(
                    tenant + "-" + i,
                    tenant,
                    "agent-" + (i % 7),
                    t0.plusSeconds(i),
                    task,
                    plan,
                    outcome,
                    0.8,
                    List.of(
                            new Judgement(tenant + "-case-" + (i % 50), 1, true),
                            new Judgement(tenant + "-case-" + ((i + 1) % 50), 2, false),
                            new Judgement(tenant + "-case-" + ((i + 2) % 50), 3, null))));
        }
        return out;
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
