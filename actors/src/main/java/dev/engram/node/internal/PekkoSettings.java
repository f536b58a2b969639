package dev.engram.node.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * The node's actor-system settings: logging through SLF4J, no JVM shutdown hook of Pekko's own
 * (the node closes itself, and a killed node must not get a graceful exit), quiet dead letters and
 * illegal headers.
 */
public final class PekkoSettings {

    private static final String NODE = String.join("\n",
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
            // A malformed Authorization header is answered with 401; one warning per such request
            // would let any client fill the log.
            "  http.server.parsing.illegal-header-warnings = off",
            "}");

    private PekkoSettings() {
    }

    /** The settings, over whatever {@code application.conf} provides. */
    public static Config node() {
        return ConfigFactory.parseString(NODE).withFallback(ConfigFactory.load());
    }
}
