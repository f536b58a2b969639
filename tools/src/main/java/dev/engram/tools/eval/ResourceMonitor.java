package dev.engram.tools.eval;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time and memory of an evaluation: wall time per phase, the heap in use (sampled every 100 ms on a
 * daemon thread: the JVM keeps no overall heap peak, and the pools' own peaks are reached at
 * different moments) and the process's peak resident memory from {@code /proc/self/status}
 * ({@code VmHWM}: the kernel's high-water mark, libtorch's native memory included).
 */
final class ResourceMonitor implements AutoCloseable {

    private final long began = System.nanoTime();
    private final Map<String, Double> phases = new LinkedHashMap<>();
    private final AtomicLong peakHeap = new AtomicLong();
    private final ScheduledExecutorService sampler;

    ResourceMonitor() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "engram-eval-memory");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(
                () -> peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max),
                0,
                100,
                TimeUnit.MILLISECONDS);
    }

    /** Times a phase; phases of the same name add up. */
    Phase phase(String name) {
        return new Phase(name, System.nanoTime());
    }

    /** A running phase; closing it adds its time. */
    final class Phase implements AutoCloseable {
        private final String name;
        private final long start;

        private Phase(String name, long start) {
            this.name = name;
            this.start = start;
        }

        @Override
        public void close() {
            double seconds = (System.nanoTime() - start) / 1e9;
            synchronized (phases) {
                phases.merge(name, seconds, Double::sum);
            }
        }
    }

    /** What was used so far. */
    Resources snapshot() {
        peakHeap.accumulateAndGet(
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
        Map<String, Double> copy;
        synchronized (phases) {
            copy = new LinkedHashMap<>(phases);
        }
        return new Resources(
                (System.nanoTime() - began) / 1e9,
                copy,
                mib(peakHeap.get()),
                mib(Runtime.getRuntime().maxMemory()),
                statusMiB("VmHWM:"),
                Runtime.getRuntime().availableProcessors());
    }

    /** A {@code /proc/self/status} field in MiB, or null off Linux. */
    private static Long statusMiB(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not on Linux: no resident-memory figure
        }
        return null;
    }

    private static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }

    /**
     * Time and memory of a run.
     *
     * @param seconds wall time from start to this snapshot
     * @param phaseSeconds wall time per phase (summed over seeds)
     * @param peakHeapMiB the most heap in use, sampled every 100 ms
     * @param maxHeapMiB the heap's limit ({@code -Xmx})
     * @param peakRssMiB the process's peak resident memory ({@code VmHWM}); null off Linux
     * @param cpus processors the JVM saw
     */
    record Resources(
            double seconds,
            Map<String, Double> phaseSeconds,
            long peakHeapMiB,
            long maxHeapMiB,
            Long peakRssMiB,
            int cpus) {}
}
