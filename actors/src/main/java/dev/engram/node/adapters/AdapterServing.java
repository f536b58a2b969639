package dev.engram.node.adapters;

import dev.engram.node.adapters.internal.AdapterTopicReader;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * A node's adapter side, started and stopped as one: the {@link ServingTable} that recall reads,
 * the {@link AdapterRegistry} actor, the reader of {@code engram.adapters}, and the publisher of
 * operator controls and gate decisions.
 *
 * <pre>{@code
 * AdapterServing adapters = AdapterServing.start(system, bootstrap, AdapterLoader.forEncoder(encoder),
 *     AdapterServingConfig.defaults(), "engram-node-" + nodeId, blocking, Clock.systemUTC());
 * adapters.pin("acme-retriever", 3, "ana", "v4 hurts refunds")      // on the topic: every node, every restart
 *     .thenAccept(view -> System.out.println(view.serving()));     // "acme-retriever/v3"
 * }</pre>
 */
public final class AdapterServing implements AutoCloseable {

    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

    private final ServingTable table;
    private final ActorSystem<?> system;
    private final ActorRef<AdapterRegistry.Command> registry;
    private final AdapterTopicReader reader;
    private final Thread readerThread;
    private final AdapterPublisher publisher;
    private final AdapterServingConfig config;
    private final Executor blocking;
    private final Clock clock;

    private AdapterServing(ServingTable table, ActorSystem<?> system, ActorRef<AdapterRegistry.Command> registry,
            AdapterTopicReader reader, Thread readerThread, AdapterPublisher publisher, AdapterServingConfig config,
            Executor blocking, Clock clock) {
        this.table = table;
        this.system = system;
        this.registry = registry;
        this.reader = reader;
        this.readerThread = readerThread;
        this.publisher = publisher;
        this.config = config;
        this.blocking = blocking;
        this.clock = clock;
    }

    /**
     * Starts the registry actor (spawned through {@code system}'s {@link SpawnProtocol}) and the
     * topic reader, and returns at once; adapters serve as they are read.
     *
     * @param loader null on a node without a text encoder: versions are tracked, none serves
     * @param transactionalId the publisher's transactional id, one per node (e.g. {@code "engram-node-<id>-adapters"})
     */
    public static AdapterServing start(ActorSystem<SpawnProtocol.Command> system, String bootstrapServers,
            AdapterLoader loader, AdapterServingConfig config, String transactionalId, Executor blocking, Clock clock) {
        ServingTable table = new ServingTable();
        AdapterPublisher publisher = AdapterPublisher.transactional(bootstrapServers, transactionalId);
        try {
            ActorRef<AdapterRegistry.Command> registry = AskPattern.<SpawnProtocol.Command,
                    ActorRef<AdapterRegistry.Command>>ask(system,
                    replyTo -> new SpawnProtocol.Spawn<>(AdapterRegistry.create(table, loader, config.gate(),
                            config.publishDecisions() ? publisher::publish : null, blocking), "adapter-registry",
                            Props.empty(), replyTo), ASK_TIMEOUT, system.scheduler())
                    .toCompletableFuture().get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            AdapterTopicReader reader = new AdapterTopicReader(
                    () -> KafkaClientFactory.consumer(bootstrapServers, null, Map.of(
                            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024,
                            // A transactional publish becomes readable (read_committed) when its commit
                            // marker lands; a parked fetch may not wake on that until fetch.max.wait.ms
                            // (500 ms by default). The topic is quiet, so short fetches cost little and
                            // bound the swap latency.
                            ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20)),
                    loader, registry::tell, config.pollTimeout());
            Thread thread = new Thread(reader, "engram-adapters-reader");
            thread.setDaemon(true);
            thread.start();
            return new AdapterServing(table, system, registry, reader, thread, publisher, config, blocking, clock);
        } catch (Exception e) {
            publisher.close();
            throw new IllegalStateException("starting the adapter registry failed: " + e, e);
        }
    }

    /** What serves each tenant; recall reads it. */
    public ServingTable table() {
        return table;
    }

    /** The registry actor. */
    public ActorRef<AdapterRegistry.Command> registry() {
        return registry;
    }

    /** Every adapter this node knows, sorted by name. */
    public CompletionStage<List<AdapterView>> list() {
        return AskPattern.ask(registry, AdapterRegistry.ListAdapters::new, ASK_TIMEOUT, system.scheduler());
    }

    /** One adapter, if this node knows it. */
    public CompletionStage<Optional<AdapterView>> get(String name) {
        return AskPattern.ask(registry, r -> new AdapterRegistry.GetAdapter(name, r), ASK_TIMEOUT, system.scheduler());
    }

    /**
     * Publishes a pin of {@code version} and answers with the adapter once this node has applied it.
     *
     * @throws NoSuchAdapterException (in the stage) when the adapter or version is unknown here
     * @throws IllegalStateException (in the stage) when the version cannot serve here
     */
    public CompletionStage<AdapterView> pin(String name, long version, String operator, String reason) {
        return checked(name, version, false).thenCompose(v ->
                control(AdapterControl.pin(name, version, operator, reason, clock.instant())));
    }

    /** Publishes an unpin (back to the newest promoted version) and answers once applied here. */
    public CompletionStage<AdapterView> unpin(String name, String operator, String reason) {
        return get(name).thenCompose(found -> {
            if (found.isEmpty()) {
                throw new NoSuchAdapterException("no adapter named '" + name + "' on this node");
            }
            return control(AdapterControl.unpin(name, operator, reason, clock.instant()));
        });
    }

    /**
     * Publishes a rollback to {@code version} (below the one serving) and answers once applied here.
     *
     * @throws NoSuchAdapterException (in the stage) when the adapter or version is unknown here
     * @throws IllegalStateException (in the stage) when the version cannot serve or is not below the serving one
     */
    public CompletionStage<AdapterView> rollback(String name, long version, String operator, String reason) {
        return checked(name, version, true).thenCompose(v ->
                control(AdapterControl.rollback(name, version, operator, reason, clock.instant())));
    }

    private CompletionStage<AdapterView> checked(String name, long version, boolean rollback) {
        return get(name).thenApply(found -> {
            AdapterView view = found.orElseThrow(() -> new NoSuchAdapterException("no adapter named '" + name
                    + "' on this node"));
            AdapterVersionView v = view.version(version).orElseThrow(() -> new NoSuchAdapterException("adapter '"
                    + name + "' has no version " + version + " on this node; versions: "
                    + view.versions().stream().map(AdapterVersionView::version).toList()));
            if (v.status() == AdapterStatus.REJECTED && "validation".equals(v.decidedBy())) {
                throw new IllegalStateException(v.label() + " cannot serve: " + v.reason());
            }
            if (rollback && (view.servingVersion() == null || version >= view.servingVersion())) {
                throw new IllegalStateException("rollback needs a version below the one serving ("
                        + view.serving() + "); to serve v" + version + " anyway, pin it");
            }
            return view;
        });
    }

    private CompletionStage<AdapterView> control(AdapterControl control) {
        return CompletableFuture.supplyAsync(() -> publisher.publish(control), blocking)
                .thenCompose((RecordMetadata at) -> AskPattern.<AdapterRegistry.Command, Long>ask(registry,
                        r -> new AdapterRegistry.AwaitApplied(at.partition(), at.offset(), r), config.controlTimeout(),
                        system.scheduler()))
                .thenCompose(offset -> get(control.adapterName()))
                .thenApply(Optional::orElseThrow);
    }

    /** Stops the reader, puts every tenant back on the base model, and closes the publisher. */
    @Override
    public void close() {
        reader.stop();
        try {
            readerThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        table.clear();
        publisher.close();
    }
}
