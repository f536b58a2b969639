package dev.engram.node.testing;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.tuning.TuningSchedulerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * One running node on the shared broker for the test classes that only talk to a node (HTTP API,
 * CLI); each uses its own tenants. Started on first use, closed at JVM exit before the broker.
 */
public final class SharedNode {

    private static EngramNode node;

    private SharedNode() {}

    public static synchronized EngramNode get() {
        if (node == null) {
            try {
                NodeConfig config = NodeConfig.builder(Files.createTempDirectory("engram-shared-node"))
                        .bootstrapServers(SharedKafka.bootstrapServers())
                        .groupId(TestIds.unique("shared"))
                        .httpPort(0)
                        .tuning(TuningSchedulerConfig.disabled())
                        .trustedWorkers(TestWorker.TRUSTED)
                        // Its tests send wrong keys to every route on purpose, from one address.
                        .maxFailedAuthPerMinute(1_000_000)
                        .build();
                node = EngramNode.start(config);
                SharedKafka.closeBeforeBroker(node);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return node;
    }

    /** The shared node's admin key (made on its first start, in its data directory). */
    public static String adminKey() {
        return get().localAdminKey().orElseThrow(() -> new AssertionError("the shared node has no DATA/admin.key"));
    }
}
