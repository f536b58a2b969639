package dev.engram.node.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What the Cranfield demo runs with. Every default is declared here:
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code dataDir}</td><td>{@code .engram/demo}</td><td>the demo node's directory (case
 *       index, embedded broker); kept between runs, and a rerun is idempotent (event ids are fixed)</td></tr>
 *   <tr><td>{@code bootstrapServers}</td><td>{@code null}</td><td>a Kafka cluster to use;
 *       {@code null} starts the embedded broker in {@code dataDir/kafka}</td></tr>
 *   <tr><td>{@code k}</td><td>{@value #DEFAULT_K}</td><td>cases recalled per query (recall@100 needs 100)</td></tr>
 *   <tr><td>{@code httpPort}</td><td>0</td><td>the demo node's HTTP port; 0 picks a free one, so
 *       the demo runs beside an {@code engram serve} on 7070</td></tr>
 *   <tr><td>{@code ingestTimeout}</td><td>5 minutes</td><td>longest wait until every abstract is searchable</td></tr>
 *   <tr><td>{@code progressBars}</td><td>when a console is attached</td><td>redraw progress bars
 *       in place; otherwise print one line per finished step</td></tr>
 * </table>
 *
 * <pre>{@code
 * DemoOptions options = DemoOptions.defaults().withDataDir(Path.of("/tmp/engram-demo")).withK(100);
 * }</pre>
 *
 * @param dataDir the node's directory; required
 * @param bootstrapServers {@code host:port[,host:port]}, or {@code null} for the embedded broker
 * @param k cases recalled per query, in [10, 1000] (nDCG@10 needs at least 10)
 * @param httpPort the node's HTTP port in [0, 65535]; 0 = any free port
 * @param ingestTimeout how long to wait for all abstracts to become searchable; positive
 * @param progressBars whether to redraw progress bars in place (a terminal) or print finished steps only
 */
public record DemoOptions(Path dataDir, String bootstrapServers, int k, int httpPort, Duration ingestTimeout,
                          boolean progressBars) {

    /** The default data directory, beside the CLI's {@code .engram/} of {@code serve}. */
    public static final Path DEFAULT_DATA_DIR = Path.of(".engram", "demo");
    /** The default number of cases recalled per query. */
    public static final int DEFAULT_K = 100;
    /** The default longest wait for the abstracts to become searchable. */
    public static final Duration DEFAULT_INGEST_TIMEOUT = Duration.ofMinutes(5);

    public DemoOptions {
        Objects.requireNonNull(dataDir, "demoOptions.dataDir is required");
        if (bootstrapServers != null && bootstrapServers.isBlank()) {
            throw new IllegalArgumentException(
                    "demoOptions.bootstrapServers must be host:port[,host:port...] or null for the embedded broker");
        }
        if (k < 10 || k > 1000) {
            throw new IllegalArgumentException("demoOptions.k must be in [10, 1000] (nDCG@10 needs 10), was " + k);
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("demoOptions.httpPort must be in [0, 65535] (0 = any free port), was "
                    + httpPort);
        }
        if (ingestTimeout == null || ingestTimeout.isNegative() || ingestTimeout.isZero()) {
            throw new IllegalArgumentException("demoOptions.ingestTimeout must be positive, was " + ingestTimeout);
        }
    }

    /** The defaults: {@code .engram/demo}, embedded broker, k = 100, any free port, 5 minutes. */
    public static DemoOptions defaults() {
        return new DemoOptions(DEFAULT_DATA_DIR, null, DEFAULT_K, 0, DEFAULT_INGEST_TIMEOUT, System.console() != null);
    }

    public DemoOptions withDataDir(Path value) {
        return new DemoOptions(value, bootstrapServers, k, httpPort, ingestTimeout, progressBars);
    }

    /** {@code null} for the embedded broker. */
    public DemoOptions withBootstrapServers(String value) {
        return new DemoOptions(dataDir, value, k, httpPort, ingestTimeout, progressBars);
    }

    public DemoOptions withK(int value) {
        return new DemoOptions(dataDir, bootstrapServers, value, httpPort, ingestTimeout, progressBars);
    }

    public DemoOptions withHttpPort(int value) {
        return new DemoOptions(dataDir, bootstrapServers, k, value, ingestTimeout, progressBars);
    }

    public DemoOptions withIngestTimeout(Duration value) {
        return new DemoOptions(dataDir, bootstrapServers, k, httpPort, value, progressBars);
    }

    public DemoOptions withProgressBars(boolean value) {
        return new DemoOptions(dataDir, bootstrapServers, k, httpPort, ingestTimeout, value);
    }
}
