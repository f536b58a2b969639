package dev.engram.node.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The node's stable identity, kept in {@code dataDir/node.id} and used as the consumer's
 * {@code group.instance.id} (static membership): a node that crashes and restarts on the same data
 * directory takes its partitions straight back instead of waiting for the broker to time the dead
 * member out (45 s by default). Two nodes must never share a data directory (the index lock
 * already forbids it).
 */
public final class NodeIdentity {

    static final String FILE = "node.id";

    private NodeIdentity() {}

    /** The id stored in {@code dataDir}, created on first use. */
    public static String of(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.isRegularFile(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            String id = "engram-node-" + UUID.randomUUID();
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the node id in " + file + ": " + e.getMessage(), e);
        }
    }
}
