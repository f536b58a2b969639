package dev.engram.tools.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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
 *   <tr><td>{@code rounds}</td><td>{@value #DEFAULT_ROUNDS}</td><td>training rounds of the
 *       continual demo ({@link ContinualDemo}): the feedback queries are replayed in this many
 *       slices, one training round each; 0 runs the BM25-only demo ({@link CranfieldDemo})</td></tr>
 *   <tr><td>{@code splitSeed}</td><td>{@value #DEFAULT_SPLIT_SEED}</td><td>seed of the split of the
 *       judged queries into feedback (60 %) and held-out (40 %)</td></tr>
 *   <tr><td>{@code roundTimeout}</td><td>15 minutes</td><td>longest wait for one round's adapter
 *       (training, evaluation gate, publication)</td></tr>
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
 * @param rounds training rounds of the continual demo, in [0, 20]; 0 = the BM25-only demo
 * @param splitSeed the seed of the feedback / held-out split
 * @param roundTimeout how long to wait for one round's adapter; positive
 * @param kafkaProperties Kafka client properties (SASL, SSL) of the demo's node and clients, with
 *     {@code bootstrapServers} only; none by default
 */
public record DemoOptions(
        Path dataDir,
        String bootstrapServers,
        int k,
        int httpPort,
        Duration ingestTimeout,
        boolean progressBars,
        int rounds,
        long splitSeed,
        Duration roundTimeout,
        Map<String, String> kafkaProperties) {

    /** The default data directory, beside the CLI's {@code .engram/} of {@code serve}. */
    public static final Path DEFAULT_DATA_DIR = Path.of(".engram", "demo");
    /** The default number of cases recalled per query. */
    public static final int DEFAULT_K = 100;
    /** The default longest wait for the abstracts to become searchable. */
    public static final Duration DEFAULT_INGEST_TIMEOUT = Duration.ofMinutes(5);
    /** The default number of training rounds of the continual demo. */
    public static final int DEFAULT_ROUNDS = 2;
    /** The default seed of the feedback / held-out split. */
    public static final long DEFAULT_SPLIT_SEED = 1;
    /** The default longest wait for one round's adapter. */
    public static final Duration DEFAULT_ROUND_TIMEOUT = Duration.ofMinutes(15);

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
            throw new IllegalArgumentException(
                    "demoOptions.httpPort must be in [0, 65535] (0 = any free port), was " + httpPort);
        }
        if (ingestTimeout == null || ingestTimeout.isNegative() || ingestTimeout.isZero()) {
            throw new IllegalArgumentException("demoOptions.ingestTimeout must be positive, was " + ingestTimeout);
        }
        if (rounds < 0 || rounds > 20) {
            throw new IllegalArgumentException("demoOptions.rounds must be in [0, 20] (0 = BM25 only), was " + rounds);
        }
        if (roundTimeout == null || roundTimeout.isNegative() || roundTimeout.isZero()) {
            throw new IllegalArgumentException("demoOptions.roundTimeout must be positive, was " + roundTimeout);
        }
        kafkaProperties = Map.copyOf(
                Objects.requireNonNull(kafkaProperties, "demoOptions.kafkaProperties is required (Map.of())"));
        if (!kafkaProperties.isEmpty() && bootstrapServers == null) {
            throw new IllegalArgumentException("demoOptions.kafkaProperties need bootstrapServers (--bootstrap): "
                    + "the embedded broker is plaintext");
        }
    }

    /** With Kafka client properties (SASL, SSL) for a secured {@code bootstrapServers}. */
    public DemoOptions withKafkaProperties(Map<String, String> value) {
        return new DemoOptions(
                dataDir,
                bootstrapServers,
                k,
                httpPort,
                ingestTimeout,
                progressBars,
                rounds,
                splitSeed,
                roundTimeout,
                value);
    }

    /** The defaults: {@code .engram/demo}, embedded broker, k = 100, any free port, 5 minutes, 2 rounds. */
    public static DemoOptions defaults() {
        return new DemoOptions(
                DEFAULT_DATA_DIR,
                null,
                DEFAULT_K,
                0,
                DEFAULT_INGEST_TIMEOUT,
                System.console() != null,
                DEFAULT_ROUNDS,
                DEFAULT_SPLIT_SEED,
                DEFAULT_ROUND_TIMEOUT,
                Map.of());
    }

    public DemoOptions withDataDir(Path value) {
        return new DemoOptions(
                value,
                bootstrapServers,
                k,
                httpPort,
                ingestTimeout,
                progressBars,
                rounds,
                splitSeed,
                roundTimeout,
                kafkaProperties);
    }

    /** {@code null} for the embedded broker. */
    public DemoOptions withBootstrapServers(String value) {
        return new DemoOptions(
                dataDir,
                value,
                k,
                httpPort,
                ingestTimeout,
                progressBars,
                rounds,
                splitSeed,
                roundTimeout,
                kafkaProperties);
    }

    public DemoOptions withK(int value) {
        return new DemoOptions(
                dataDir,
                bootstrapServers,
                value,
                httpPort,
                ingestTimeout,
                progressBars,
                rounds,
                splitSeed,
                roundTimeout,
                kafkaProperties);
    }

    public DemoOptions withHttpPort(int value) {
        return new DemoOptions(
                dataDir,
                bootstrapServers,
                k,
                value,
                ingestTimeout,
                progressBars,
                rounds,
                splitSeed,
                roundTimeout,
                kafkaProperties);
    }

    public DemoOptions withIngestTimeout(Duration value) {
        return new DemoOptions(
                dataDir,
                bootstrapServers,
                k,
                httpPort,
                value,
                progressBars,
                rounds,
                splitSeed,
                roundTimeout,
                kafkaProperties);
    }

    public DemoOptions withProgressBars(boolean value) {
        return new DemoOptions(
                dataDir,
                bootstrapServers,
                k,
                httpPort,
                ingestTimeout,
                value,
                rounds,
                splitSeed,
                roundTimeout,
                kafkaProperties);
    }

    public DemoOptions withRounds(int value) {
        return new DemoOptions(
                dataDir,
                bootstrapServers,
                k,
                httpPort,
                ingestTimeout,
                progressBars,
                value,
                splitSeed,
                roundTimeout,
                kafkaProperties);
    }

    public DemoOptions withSplitSeed(long value) {
        return new DemoOptions(
                dataDir,
                bootstrapServers,
                k,
                httpPort,
                ingestTimeout,
                progressBars,
                rounds,
                value,
                roundTimeout,
                kafkaProperties);
    }

    public DemoOptions withRoundTimeout(Duration value) {
        return new DemoOptions(
                dataDir,
                bootstrapServers,
                k,
                httpPort,
                ingestTimeout,
                progressBars,
                rounds,
                splitSeed,
                value,
                kafkaProperties);
    }
}
