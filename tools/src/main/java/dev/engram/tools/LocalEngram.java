package dev.engram.tools;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.worker.CandidateTrainer;
import dev.engram.worker.TrainingWorker;
import dev.engram.worker.WorkerConfig;
import dev.engram.worker.WorkerKey;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node and, when its configuration says so ({@code TuningSchedulerConfig.runsWorker}: by default
 * whenever the node runs the embedded broker), a training worker in the same process: what
 * {@code engram serve} and the demo start, so the local default runs the whole loop with one
 * command. The node itself never starts a worker; a GPU host runs {@code engram worker} instead.
 *
 * <p>The worker keeps its signing key in {@code dataDir/worker} ({@link WorkerKey}, made on first
 * start), and the node trusts that key besides its configured {@code trustedWorkers}: the local
 * default needs no key set up, and {@code engram worker --data} on the same directory signs with
 * the same key.
 *
 * <pre>{@code
 * try (LocalEngram local = LocalEngram.start(NodeConfig.defaults(dir))) {
 *     String url = local.node().httpUrl();
 * }
 * }</pre>
 */
public final class LocalEngram implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalEngram.class);

    private final EngramNode node;
    private final CandidateTrainer trainer;
    private final TrainingWorker worker;

    private LocalEngram(EngramNode node, CandidateTrainer trainer, TrainingWorker worker) {
        this.node = node;
        this.trainer = trainer;
        this.worker = worker;
    }

    /** The key directory of the worker beside a node with this data directory. */
    public static Path workerKeyDir(Path dataDir) {
        return dataDir.resolve("worker");
    }

    /** Starts the node, then the worker beside it when the configuration asks for one. */
    public static LocalEngram start(NodeConfig config) {
        Objects.requireNonNull(config, "config");
        if (!config.tuning().enabled() || !config.tuning().runsWorker(config.embeddedBroker())) {
            return new LocalEngram(EngramNode.start(config), null, null);
        }
        // The key first: the node starts trusting its own worker.
        WorkerKey key = WorkerKey.loadOrCreate(workerKeyDir(config.dataDir()));
        NodeConfig trusting = config.toBuilder()
                .trustedWorkers(config.trustedWorkers().with(key.publicKey()))
                .build();
        EngramNode node = EngramNode.start(trusting);
        CandidateTrainer trainer = null;
        try {
            trainer = new CandidateTrainer(node.kafka(), config.clock(), trusting.trustedWorkers());
            TrainingWorker worker = TrainingWorker.start(
                    WorkerConfig.defaults(node.bootstrapServers())
                            .withKafkaProperties(config.kafkaProperties())
                            .withGroupId(config.tuning().workerGroupId())
                            .withWorkerId(node.nodeId())
                            .withKeyDir(workerKeyDir(config.dataDir())),
                    trainer,
                    null,
                    config.clock());
            log.info(
                    "training worker {} beside the node, in group {}, signing with key {} (trusted by the node)",
                    node.nodeId(),
                    config.tuning().workerGroupId(),
                    key.id());
            return new LocalEngram(node, trainer, worker);
        } catch (RuntimeException e) {
            closeQuietly(trainer);
            node.close();
            throw e;
        }
    }

    /** The node. */
    public EngramNode node() {
        return node;
    }

    /** The worker beside the node, when one runs. */
    public Optional<TrainingWorker> worker() {
        return Optional.ofNullable(worker);
    }

    /** Stops the worker first (its job in hand is not committed: another worker runs it), then the node. */
    @Override
    public void close() {
        closeQuietly(worker);
        closeQuietly(trainer);
        node.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("while stopping {}: {}", c.getClass().getSimpleName(), e.toString());
        }
    }
}
