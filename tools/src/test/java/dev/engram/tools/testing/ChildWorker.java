package dev.engram.tools.testing;

import dev.engram.tools.cli.EngramCli;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code engram worker} in a child JVM on this test's classpath, so that a test can kill it for
 * real ({@link #kill()}: SIGKILL in the middle of a job, no shutdown hook, no abort, no leave-group).
 *
 * <p>The child runs as the tests do: the heap and {@code -Dai.djl.*} flags of this JVM (the
 * surefire argLine), {@code -Dai.djl.offline=true} in any case, and {@code OMP_WAIT_POLICY=PASSIVE}
 * (libgomp's spinning threads slow DJL >20x when JVMs share the cores) and {@code OPT_OUT_TRACKING}
 * in its environment. Its stdout (the worker's ready line and one line per job phase) is kept for
 * {@link #stdout()}; its stderr (the log) goes to a file.
 */
public final class ChildWorker implements AutoCloseable {

    private static final String READY = "engram worker ready: ";

    private final Process process;
    private final Path log;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final CompletableFuture<String> ready = new CompletableFuture<>();

    private ChildWorker(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread reader = new Thread(this::readStdout, "child-worker-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code engram worker --bootstrap ... --group ... --worker-id ... --data ...}; its log goes
     * to {@code log}, its data (its signing key) beside it.
     */
    public static ChildWorker start(String bootstrap, String group, String workerId, Path log) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmFlags());
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                EngramCli.class.getName(),
                "worker",
                "--bootstrap",
                bootstrap,
                "--group",
                group,
                "--worker-id",
                workerId,
                "--data",
                log.toAbsolutePath().resolveSibling(workerId + "-data").toString()));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        builder.environment().put("OPT_OUT_TRACKING", "true");
        builder.environment().remove("PYTORCH_VERSION");
        builder.environment().remove("PYTORCH_FLAVOR");
        try {
            return new ChildWorker(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a child worker: " + command, e);
        }
    }

    /** This JVM's heap and DJL flags (what the surefire argLine set), with DJL offline in any case. */
    static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-Dai.djl."))
                .toList());
        if (!flags.contains("-Dai.djl.offline=true")) {
            flags.add("-Dai.djl.offline=true");
        }
        return flags;
    }

    /** The child's ready line once printed; fails with its log if it did not print it in time. */
    public String awaitReady(Duration bound) {
        try {
            return ready.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError(
                    "child worker not ready within " + bound + " (alive=" + process.isAlive() + "); " + describe(), e);
        }
    }

    /** Kills the child with SIGKILL, waits for it to be gone and returns its exit status (137 for SIGKILL). */
    public int kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("child worker did not die");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Every line the child printed on stdout so far (a progress bar's redraws count as lines). */
    public List<String> stdout() {
        return List.copyOf(stdout);
    }

    /** Its stdout and the last lines of its log, for failure messages. */
    public String describe() {
        return "child stdout:\n" + String.join("\n", stdout) + "\nchild log:\n" + logTail();
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void readStdout() {
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                stdout.add(line);
                if (line.startsWith(READY)) {
                    ready.complete(line.substring(READY.length()));
                }
            }
        } catch (IOException e) {
            // the child died; awaitReady reports it
        }
        ready.completeExceptionally(new IllegalStateException(
                "child exited with " + (process.isAlive() ? "(still running)" : String.valueOf(process.exitValue()))));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
