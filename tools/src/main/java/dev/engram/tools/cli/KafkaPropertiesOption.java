package dev.engram.tools.cli;

import dev.engram.streams.KafkaConnection;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --kafka-properties FILE}, shared by every command with a Kafka client: a Kafka client
 * properties file (SASL, SSL, ...) laid over Engram's safe defaults. The keys Engram's guarantees
 * rest on ({@link KafkaConnection#ENGRAM_OWNED}) are refused with a message naming them.
 */
final class KafkaPropertiesOption {

    @Option(
            names = "--kafka-properties",
            paramLabel = "FILE",
            description = {
                "Kafka client properties (SASL, SSL, ...), e.g. security.protocol=SASL_SSL,",
                "sasl.mechanism=SCRAM-SHA-256, sasl.jaas.config=...; laid over Engram's safe defaults."
            })
    Path file;

    /** The file's properties, none without the option. */
    Map<String, String> properties() {
        return file == null ? Map.of() : KafkaConnection.load(file);
    }

    /** How to reach {@code bootstrap} with these properties. */
    KafkaConnection connection(String bootstrap) {
        return new KafkaConnection(bootstrap, properties());
    }
}
