package dev.engram.node.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * The node's actor-system settings: logging through SLF4J, no JVM shutdown hook of Pekko's own
 * (the node closes itself, and a killed node must not get a graceful exit), quiet dead letters and
 * illegal headers, and two dispatchers of the node's own so that ingest and recall never wait for
 * each other's threads: {@value #INGEST_DISPATCHER} (index writes and embedding of ingested cases,
 * a few threads: the writes of one batch go partition by partition) and {@value #RECALL_DISPATCHER}
 * (recalls, as many threads as recalls may run at once).
 */
public final class PekkoSettings {

    private static final String NODE = String.join(
            "\n",
            "pekko {",
            "  loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
            "  logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
            "  loglevel = INFO",
            "  stdout-loglevel = OFF",
            "  log-dead-letters = 0",
            "  log-dead-letters-during-shutdown = off",
            "  coordinated-shutdown.run-by-jvm-shutdown-hook = off",
            "  coordinated-shutdown.exit-jvm = off",
            "  http.server.server-header = engram",
            "  http.server.request-timeout = 60s",
            // The peer's address on each request: failed authentications are counted per address.
            "  http.server.remote-address-attribute = on",
            // A malformed Authorization header is answered with 401; one warning per such request
            // would let any client fill the log.
            "  http.server.parsing.illegal-header-warnings = off",
            "}");

    /** The dispatcher of ingest's writes (store and embedder calls). */
    public static final String INGEST_DISPATCHER = "engram.ingest-dispatcher";

    /** The dispatcher of recalls. */
    public static final String RECALL_DISPATCHER = "engram.recall-dispatcher";

    /** Threads of {@link #INGEST_DISPATCHER}: one per partition of the feedback topic. */
    public static final int INGEST_THREADS = 4;

    private PekkoSettings() {}

    /** The settings, over whatever {@code application.conf} provides; recalls get as many threads as cores. */
    public static Config node() {
        return node(Runtime.getRuntime().availableProcessors());
    }

    /** The settings with {@code recallThreads} threads for recalls. */
    public static Config node(int recallThreads) {
        return ConfigFactory.parseString(NODE + "\n" + dispatcher(INGEST_DISPATCHER, INGEST_THREADS) + "\n"
                        + dispatcher(RECALL_DISPATCHER, recallThreads))
                .withFallback(ConfigFactory.load());
    }

    private static String dispatcher(String name, int threads) {
        return String.join(
                "\n",
                name + " {",
                "  type = Dispatcher",
                "  executor = thread-pool-executor",
                "  thread-pool-executor.fixed-pool-size = " + threads,
                "  throughput = 1",
                "}");
    }
}
