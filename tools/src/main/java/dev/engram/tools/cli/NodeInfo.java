package dev.engram.tools.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;

/**
 * What a running {@code engram serve} writes to {@code DATA/node.json} so that {@code produce} and
 * {@code recall} find it without flags: the embedded broker listens on a free port, unknown in
 * advance. Removed on a clean shutdown; a stale file after a crash is overwritten by the next
 * {@code serve}.
 *
 * @param bootstrapServers the node's Kafka cluster
 * @param httpUrl the node's HTTP API, e.g. {@code http://127.0.0.1:7070}
 * @param pid the node's process id
 */
public record NodeInfo(String bootstrapServers, String httpUrl, long pid) {

    /** The file name inside the data directory. */
    public static final String FILE = "node.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public NodeInfo {
        Objects.requireNonNull(bootstrapServers, "nodeInfo.bootstrapServers is required");
        Objects.requireNonNull(httpUrl, "nodeInfo.httpUrl is required");
    }

    /** The node info in {@code dataDir}, if a node wrote one. */
    public static Optional<NodeInfo> read(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), NodeInfo.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Writes (atomically replaces) {@code dataDir/node.json}. */
    public void write(Path dataDir) throws IOException {
        Path tmp = dataDir.resolve(FILE + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes {@code dataDir/node.json} if present. */
    public static void delete(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(FILE));
        } catch (IOException e) {
            // a stale file is harmless: the next serve overwrites it
        }
    }
}
