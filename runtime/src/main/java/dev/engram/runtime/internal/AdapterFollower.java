package dev.engram.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.Subscription;
import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterFolder;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedWorkerKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A background thread that reads the adapters topic from the beginning, without a consumer group,
 * through an {@link AdapterAssembler}, keeps the versions a trusted worker key signed as candidates
 * for their adapter's own tenant, and hands the listener (those that pass the filter):
 *
 * <ul>
 *   <li>each such candidate as published ({@link AdapterStatus#CANDIDATE});</li>
 *   <li>with a node to ask, each version the node starts to serve for an adapter (its gate promoted
 *       it, or an operator pinned or rolled back to it), as {@link AdapterStatus#PROMOTED} with the
 *       node's reason, once its record here has the payload the node lists. The node is asked
 *       ({@code GET /v1/adapters}) every {@code checkEvery} while a trusted version is held.</li>
 * </ul>
 *
 * An agent-model version (a LoRA for the agents' own model, {@link AdapterKind#AGENT_MODEL}) needs no
 * node: a trusted one is handed over as a candidate, and, when the plan-loss gate verdict its worker
 * signed promotes it, written as a PEFT folder and handed over as {@link AdapterStatus#PROMOTED}.
 *
 * <p>Everything else (unsigned, untrusted or forged signatures, a record that calls itself PROMOTED or
 * REJECTED, another tenant under a known adapter name, broken records) is logged and skipped.
 *
 * <p>Operator controls on the topic (pin, unpin, rollback) are never acted on here, signed or not:
 * which version serves is what the node says it serves, and the node applies only controls a node
 * key it trusts signed.
 */
public final class AdapterFollower implements Subscription {

    /** Versions kept per adapter (the newest), so that the node's choice can be delivered with its files. */
    static final int VERSIONS_KEPT = 16;

    private static final Logger LOG = LoggerFactory.getLogger(AdapterFollower.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final KafkaConsumer<String, byte[]> consumer;
    private final TrustedWorkerKeys trusted;
    private final NodeHttp node;
    private final Path agentModelDir;
    private final Duration checkEvery;
    private final Predicate<? super AdapterPublished> filter;
    private final Consumer<? super AdapterPublished> listener;
    private final AdapterAssembler assembler = new AdapterAssembler();
    private final Map<String, NavigableMap<Long, AdapterPublished>> held = new HashMap<>();
    private final Map<String, String> tenants = new HashMap<>();
    private final Map<String, String> delivered = new HashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    private long nextCheck;

    private AdapterFollower(
            KafkaConnection kafka,
            TrustedWorkerKeys trusted,
            NodeHttp node,
            Path agentModelDir,
            Duration checkEvery,
            Predicate<? super AdapterPublished> filter,
            Consumer<? super AdapterPublished> listener) {
        // Chunks are ~512 KiB each: let one fetch carry a few. Never auto-create the topic with the
        // broker's defaults (it must be compacted): wait for Engram to create it.
        this.consumer = KafkaClientFactory.consumer(
                kafka,
                null,
                Map.of(
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        8 * 1024 * 1024,
                        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                        false));
        this.trusted = trusted;
        this.node = node;
        this.agentModelDir = agentModelDir;
        this.checkEvery = checkEvery;
        this.filter = filter;
        this.listener = listener;
        this.thread = new Thread(this::run, "engram-adapter-follower");
        this.thread.setDaemon(true);
    }

    /**
     * Starts following; the returned subscription stops it.
     *
     * @param node the node whose serving versions are delivered as promoted; null for candidates only
     */
    public static AdapterFollower start(
            String bootstrapServers,
            TrustedWorkerKeys trusted,
            NodeHttp node,
            Duration checkEvery,
            Predicate<? super AdapterPublished> filter,
            Consumer<? super AdapterPublished> listener) {
        return start(KafkaConnection.of(bootstrapServers), trusted, node, null, checkEvery, filter, listener);
    }

    /**
     * As above, following over {@code kafka} (with its client properties).
     *
     * @param agentModelDir where promoted agent-model adapters' folders are written
     *     ({@code <dir>/<adapterName>/v<version>}); null to skip agent-model adapters
     */
    public static AdapterFollower start(
            KafkaConnection kafka,
            TrustedWorkerKeys trusted,
            NodeHttp node,
            Path agentModelDir,
            Duration checkEvery,
            Predicate<? super AdapterPublished> filter,
            Consumer<? super AdapterPublished> listener) {
        AdapterFollower follower =
                new AdapterFollower(kafka, trusted, node, agentModelDir, checkEvery, filter, listener);
        follower.thread.start();
        return follower;
    }

    @Override
    public boolean isRunning() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            List<TopicPartition> partitions = awaitPartitions();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!closed.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    for (AdapterAssembler.Delivery d : assembler.accept(record)) {
                        accept(d);
                    }
                }
                if (node != null && !held.isEmpty() && System.nanoTime() - nextCheck >= 0) {
                    nextCheck = System.nanoTime() + checkEvery.toNanos();
                    askTheNode();
                }
            }
        } catch (WakeupException e) {
            if (!closed.get()) {
                LOG.error("adapter follower woken up unexpectedly; it stops", e);
            }
        } catch (RuntimeException e) {
            LOG.error("adapter follower failed and stops: {}", e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private List<TopicPartition> awaitPartitions() {
        while (!closed.get()) {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.ADAPTERS, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
            }
            LOG.warn("topic {} does not exist yet; waiting for it", Topics.ADAPTERS);
        }
        throw new WakeupException();
    }

    private void accept(AdapterAssembler.Delivery d) {
        if (d instanceof AdapterAssembler.Delivery.Rejected r) {
            LOG.warn(
                    "skipped adapter record {} at {}-{}@{}: {}",
                    r.key(),
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    r.reason());
            return;
        }
        if (!(d instanceof AdapterAssembler.Delivery.Adapter a)) {
            return;
        }
        AdapterPublished adapter = a.adapter();
        String refused = refusal(adapter);
        if (refused != null) {
            LOG.warn("skipped {} v{} at offset {}: {}", adapter.adapterName(), adapter.version(), a.offset(), refused);
            return;
        }
        tenants.putIfAbsent(adapter.adapterName(), adapter.tenant());
        if (adapter.kind() == AdapterKind.AGENT_MODEL) {
            agentModel(adapter);
            return;
        }
        NavigableMap<Long, AdapterPublished> versions =
                held.computeIfAbsent(adapter.adapterName(), n -> new TreeMap<>());
        versions.put(adapter.version(), adapter);
        while (versions.size() > VERSIONS_KEPT) {
            versions.pollFirstEntry();
        }
        deliver(adapter);
        nextCheck = System.nanoTime(); // a new version may be what the node serves next: ask soon
    }

    /**
     * An agent-model version needs no node: its gate's verdict travels with it, signed by the worker
     * that was just verified. A promoted one is written as a PEFT folder, then delivered as promoted.
     */
    private void agentModel(AdapterPublished adapter) {
        deliver(adapter);
        if (!adapter.planLoss().promote()) {
            LOG.info(
                    "agent-model adapter {} v{} not delivered: its gate rejected it ({})",
                    adapter.adapterName(),
                    adapter.version(),
                    adapter.planLoss().reason());
            return;
        }
        if (agentModelDir == null) {
            LOG.warn(
                    "agent-model adapter {} v{} not delivered: no folder to write it to (build the client with "
                            + "agentModelAdapters(DIR))",
                    adapter.adapterName(),
                    adapter.version());
            return;
        }
        Path dir = folder(agentModelDir, adapter);
        try {
            if (!AdapterFolder.holds(adapter, dir)) {
                AdapterFolder.write(adapter, dir);
            }
        } catch (IOException e) {
            LOG.warn(
                    "agent-model adapter {} v{} not delivered: could not write {} ({})",
                    adapter.adapterName(),
                    adapter.version(),
                    dir,
                    e.toString());
            return;
        }
        deliver(adapter.withStatus(
                AdapterStatus.PROMOTED, "plan-loss gate: " + adapter.planLoss().reason() + "; written to " + dir));
    }

    /** Where an agent-model adapter's folder goes under {@code root}: {@code <adapterName>/v<version>}. */
    public static Path folder(Path root, AdapterPublished adapter) {
        return root.resolve(adapter.adapterName()).resolve("v" + adapter.version());
    }

    /** Why a version is not for this client, or null: the node's admission rules, applied here too. */
    private String refusal(AdapterPublished adapter) {
        AdapterSignature.Check check = AdapterSignature.verify(adapter, trusted);
        if (!check.trusted()) {
            return check.reason();
        }
        if (adapter.status() != AdapterStatus.CANDIDATE) {
            return "published as " + adapter.status() + " by its publisher; only a node's gate promotes";
        }
        String tenant = tenants.get(adapter.adapterName());
        if (tenant != null && !tenant.equals(adapter.tenant())) {
            return "names tenant '" + adapter.tenant() + "' but the adapter belongs to '" + tenant + "'";
        }
        return null;
    }

    /** Delivers, as promoted, each adapter's version the node serves now if it changed and is held here. */
    private void askTheNode() {
        JsonNode listing;
        try {
            listing = node.adapters();
        } catch (EngramApiException e) {
            LOG.warn(
                    "could not ask the node which adapter versions it serves ({}); asking again in {}",
                    e.getMessage(),
                    checkEvery);
            return;
        }
        for (JsonNode a : listing.path("adapters")) {
            String name = a.path("name").asText();
            JsonNode serving = a.path("serving");
            String servingKey = serving.isIntegralNumber() ? name + "/v" + serving.asLong() : null;
            if (servingKey == null || servingKey.equals(delivered.get(name))) {
                continue;
            }
            AdapterPublished version = held.getOrDefault(name, new TreeMap<>()).get(serving.asLong());
            JsonNode listed = null;
            for (JsonNode v : a.path("versions")) {
                if (v.path("version").asLong() == serving.asLong()) {
                    listed = v;
                }
            }
            if (version == null
                    || listed == null
                    || !version.payloadSha256()
                            .equals(listed.path("payloadSha256").asText())) {
                continue; // not read here yet (or another payload): the next check tries again
            }
            delivered.put(name, servingKey);
            deliver(version.withStatus(
                    AdapterStatus.PROMOTED,
                    "serving on " + node.url() + ": " + listed.path("reason").asText()));
        }
    }

    private void deliver(AdapterPublished adapter) {
        if (!filter.test(adapter)) {
            return;
        }
        try {
            listener.accept(adapter);
        } catch (RuntimeException e) {
            LOG.warn("adapter listener failed on {}: {}", adapter, e.toString(), e);
        }
    }
}
