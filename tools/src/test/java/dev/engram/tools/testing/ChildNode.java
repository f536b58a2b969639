package dev.engram.tools.testing;

import dev.engram.tools.cli.EngramCli;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code engram serve} in a child JVM on this test's classpath, so that a test can kill it for
 * real ({@link #kill()}: SIGKILL, no shutdown hook, no final commit).
 */
public final class ChildNode implements AutoCloseable {

    private static final String READY = "engram node ready: ";

    private final Process process;
    private final Path log;
    private final CompletableFuture<String> url = new CompletableFuture<>();

    private ChildNode(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread reader = new Thread(this::readStdout, "child-node-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code engram serve --bootstrap ... --data ... --http-port 0} plus {@code extraArgs}. */
    public static ChildNode serve(String bootstrap, Path data, String group, String... extraArgs) {
        return serve("512m", 0, bootstrap, data, group, extraArgs);
    }

    /**
     * Starts {@code engram serve --bootstrap ... --data ... --http-port httpPort} plus {@code
     * extraArgs} in a JVM with at most {@code heap} of heap (e.g. {@code "320m"}).
     */
    public static ChildNode serve(
            String heap, int httpPort, String bootstrap, Path data, String group, String... extraArgs) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx" + heap,
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                EngramCli.class.getName(),
                "serve",
                "--bootstrap",
                bootstrap,
                "--data",
                data.toString(),
                "--http-port",
                String.valueOf(httpPort),
                "--group",
                group));
        command.addAll(List.of(extraArgs));
        Path log = data.resolveSibling(data.getFileName() + "-child.log");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ChildNode(process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a child node: " + command, e);
        }
    }

    /** The child's HTTP URL once it printed its ready line; fails with its log if it did not in time. */
    public String awaitReady(Duration bound) {
        try {
            return url.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError(
                    "child node not ready within " + bound + " (alive=" + process.isAlive() + "); its log:\n"
                            + logTail(),
                    e);
        }
    }

    /** Kills the child with SIGKILL and waits for it to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("child node did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Stops the child as Ctrl-C or an orchestrator would (SIGTERM: its shutdown hook runs, the node
     * leaves the consumer group and the cluster) and waits for it to exit.
     */
    public void stop(Duration bound) {
        process.destroy();
        try {
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        "child node did not stop within " + bound + " of SIGTERM; its log:\n" + logTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The last lines of the child's stderr. */
    public String logTail() {
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
                if (line.startsWith(READY)) {
                    url.complete(line.substring(READY.length()).split(" ")[0]);
                }
            }
        } catch (IOException e) {
            // the child died; awaitReady reports it
        }
        url.completeExceptionally(new IllegalStateException("child exited with " + exitCode()));
    }

    private String exitCode() {
        return process.isAlive() ? "(still running)" : String.valueOf(process.exitValue());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
