package dev.engram.node.adapters;

import dev.engram.node.adapters.internal.AdapterLedger;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterPublished;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The node's adapter registry: keeps every version of every adapter read from
 * {@code engram.adapters} (status, metrics, reason), applies the evaluation gate to candidates and
 * the operators' controls, and swaps what serves each tenant in the {@link ServingTable}.
 *
 * <pre>{@code
 * ActorRef<AdapterRegistry.Command> registry = context.spawn(
 *     AdapterRegistry.create(table, loader, PromotionGate.defaults(), decisions::publish, blocking), "adapters");
 * // fed by the topic reader:
 * registry.tell(new AdapterRegistry.AdapterDelivered(event, offset, loaded, null));
 * // read by operators:
 * registry.tell(new AdapterRegistry.ListAdapters(replyTo));
 * }</pre>
 *
 * <p>Versions arrive already validated (the reader loads each new one with the
 * {@link AdapterLoader} off the actor); a version that failed is recorded as {@code REJECTED} with
 * the reason and never serves, and the previous version keeps serving. A version that must serve
 * but whose loaded copy was let go (a pin to an old version, say) is loaded again on the blocking
 * executor, and serves once loaded. Loaded copies that will not serve are freed at once.
 *
 * <p>Once the reader has caught up with the topic, the gate's decisions on candidates are handed to
 * {@code decisions} (when not null) to be published, so runtimes and other nodes see them.
 */
public final class AdapterRegistry extends AbstractBehavior<AdapterRegistry.Command> {

    /** What the registry understands. */
    public sealed interface Command {}

    /**
     * A complete, checksum-verified version from the topic.
     *
     * @param loaded the version loaded for serving, or null when not loaded (already validated
     *     before, or the node has no loader); the registry owns it from here
     * @param invalidReason why it cannot serve here, or null when it can
     */
    public record AdapterDelivered(AdapterPublished adapter, long offset, ServingAdapter loaded, String invalidReason)
            implements Command {
        public AdapterDelivered {
            Objects.requireNonNull(adapter, "adapterDelivered.adapter is required");
        }
    }

    /** An operator control from the topic. */
    public record ControlDelivered(AdapterControl control, long offset) implements Command {
        public ControlDelivered {
            Objects.requireNonNull(control, "controlDelivered.control is required");
        }
    }

    /** A record that could not be used (bad checksum, broken JSON, missing chunks), with why. */
    public record RecordRejected(String key, long offset, String reason) implements Command {}

    /**
     * How far the reader has got: the next offset to read per partition, and whether it has reached
     * the end offsets it saw when it started.
     */
    public record Position(Map<Integer, Long> nextOffsets, boolean caughtUp) implements Command {
        public Position {
            nextOffsets = Map.copyOf(nextOffsets);
        }
    }

    /** Every adapter, sorted by name. */
    public record ListAdapters(ActorRef<List<AdapterView>> replyTo) implements Command {}

    /** One adapter, if known. */
    public record GetAdapter(String name, ActorRef<Optional<AdapterView>> replyTo) implements Command {}

    /**
     * Replies (with the offset) once the registry has applied the record at {@code offset} of
     * {@code partition} and the table serves what it decided (no version still loading).
     */
    public record AwaitApplied(int partition, long offset, ActorRef<Long> replyTo) implements Command {}

    /** A version loaded on demand (or the reason it could not be). */
    public record Loaded(String name, long version, ServingAdapter adapter, String failure) implements Command {}

    private final ServingTable table;
    private final AdapterLoader loader;
    private final Consumer<AdapterPublished> decisions;
    private final Executor blocking;
    private final AdapterLedger ledger;
    private final Map<String, ServingAdapter> spare = new HashMap<>();
    private final Map<String, Boolean> loading = new HashMap<>();
    private final Map<Integer, Long> applied = new HashMap<>();
    private final List<AwaitApplied> waiting = new ArrayList<>();
    private boolean caughtUp;

    private AdapterRegistry(ActorContext<Command> context, ServingTable table, AdapterLoader loader,
            PromotionGate gate, Consumer<AdapterPublished> decisions, Executor blocking) {
        super(context);
        this.table = table;
        this.loader = loader;
        this.decisions = decisions;
        this.blocking = blocking;
        this.ledger = new AdapterLedger(gate);
    }

    /**
     * The registry's behaviour.
     *
     * @param table where the serving adapters go
     * @param loader loads versions on demand; null on a node without an encoder (nothing serves)
     * @param gate decides on candidates
     * @param decisions publishes the gate's decisions; null to keep them local
     * @param blocking runs loads and publications
     */
    public static Behavior<Command> create(ServingTable table, AdapterLoader loader, PromotionGate gate,
            Consumer<AdapterPublished> decisions, Executor blocking) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(blocking, "blocking");
        return Behaviors.setup(context -> new AdapterRegistry(context, table, loader, gate, decisions, blocking));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(AdapterDelivered.class, this::onAdapter)
                .onMessage(ControlDelivered.class, this::onControl)
                .onMessage(RecordRejected.class, this::onRejected)
                .onMessage(Position.class, this::onPosition)
                .onMessage(Loaded.class, this::onLoaded)
                .onMessage(ListAdapters.class, m -> {
                    m.replyTo().tell(ledger.views());
                    return this;
                })
                .onMessage(GetAdapter.class, m -> {
                    m.replyTo().tell(ledger.view(m.name()));
                    return this;
                })
                .onMessage(AwaitApplied.class, this::onAwait)
                .onSignal(PostStop.class, s -> {
                    spare.values().forEach(ServingAdapter::retire);
                    spare.clear();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onAdapter(AdapterDelivered m) {
        AdapterPublished event = m.adapter();
        ledger.adapterArrived(event, m.offset(), m.invalidReason());
        if (m.loaded() != null) {
            ServingAdapter old = spare.put(key(event.adapterName(), event.version()), m.loaded());
            if (old != null) {
                old.retire();
            }
        }
        reconcile(event.adapterName());
        return this;
    }

    private Behavior<Command> onControl(ControlDelivered m) {
        ledger.controlArrived(m.control(), m.offset());
        getContext().getLog().info("adapter control {} {}{} by {}: {}", m.control().action(), m.control().adapterName(),
                m.control().version() == null ? "" : " v" + m.control().version(), m.control().operator(),
                m.control().reason());
        reconcile(m.control().adapterName());
        return this;
    }

    private Behavior<Command> onRejected(RecordRejected m) {
        ledger.recordRejected(m.key(), m.offset(), m.reason());
        return this;
    }

    private Behavior<Command> onPosition(Position m) {
        applied.putAll(m.nextOffsets());
        if (m.caughtUp() && !caughtUp) {
            caughtUp = true;
            getContext().getLog().info("adapters: caught up with the topic, {} adapters known", ledger.names().size());
        }
        publishDecisions();
        answerWaiting();
        return this;
    }

    private void answerWaiting() {
        for (Iterator<AwaitApplied> it = waiting.iterator(); it.hasNext(); ) {
            AwaitApplied w = it.next();
            if (isApplied(w)) {
                w.replyTo().tell(w.offset());
                it.remove();
            }
        }
    }

    private Behavior<Command> onAwait(AwaitApplied m) {
        if (isApplied(m)) {
            m.replyTo().tell(m.offset());
        } else {
            waiting.add(m);
        }
        return this;
    }

    /** Read past the offset, and no version that must serve still loading: the table reflects it. */
    private boolean isApplied(AwaitApplied m) {
        return applied.getOrDefault(m.partition(), 0L) > m.offset() && loading.isEmpty();
    }

    private Behavior<Command> onLoaded(Loaded m) {
        loading.remove(key(m.name(), m.version()));
        if (m.adapter() == null) {
            getContext().getLog().warn("adapter {} v{} could not be loaded: {}", m.name(), m.version(), m.failure());
            ledger.markInvalid(m.name(), m.version(), m.failure());
        } else {
            ServingAdapter old = spare.put(key(m.name(), m.version()), m.adapter());
            if (old != null) {
                old.retire();
            }
        }
        reconcile(m.name());
        answerWaiting();
        return this;
    }

    /** Makes the table serve what the ledger says for {@code name}; frees loaded copies that will not serve. */
    private void reconcile(String name) {
        Long target = ledger.target(name);
        Long serving = ledger.serving(name);
        String tenant = ledger.tenant(name);
        if (!Objects.equals(target, serving) && tenant != null && loader != null) {
            if (target == null) {
                table.swap(tenant, null);
                ledger.setServing(name, null);
                getContext().getLog().info("adapter {}: tenant {} back on the base model", name, tenant);
            } else {
                ServingAdapter ready = spare.remove(key(name, target));
                if (ready != null) {
                    ServingAdapter previous = table.current(ready.tenant());
                    table.swap(ready.tenant(), ready);
                    ledger.setServing(name, target);
                    getContext().getLog().info("adapter {}: tenant {} now served by v{} (was {})", name, ready.tenant(),
                            target, previous == null ? ServingTable.BASE : previous.label());
                } else {
                    loadInBackground(name, target);
                }
            }
        }
        Long keep = ledger.target(name);
        boolean keepNeeded = keep != null && !keep.equals(ledger.serving(name));
        spare.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(name + "/v") && !(keepNeeded && e.getKey().equals(key(name, keep)))) {
                e.getValue().retire();
                return true;
            }
            return false;
        });
    }

    private void loadInBackground(String name, long version) {
        String key = key(name, version);
        if (loading.containsKey(key)) {
            return;
        }
        Optional<AdapterPublished> event = ledger.event(name, version);
        if (event.isEmpty()) {
            return;
        }
        loading.put(key, Boolean.TRUE);
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> loader.load(event.get()), blocking),
                (adapter, failure) -> new Loaded(name, version, adapter,
                        failure == null ? null : String.valueOf((failure.getCause() != null ? failure.getCause() : failure)
                                .getMessage())));
    }

    private void publishDecisions() {
        if (!caughtUp || decisions == null) {
            return;
        }
        for (AdapterPublished decided : ledger.takeUnpublishedDecisions()) {
            getContext().getLog().info("gate: publishing {} v{} as {}", decided.adapterName(), decided.version(),
                    decided.status());
            blocking.execute(() -> {
                try {
                    decisions.accept(decided);
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(AdapterRegistry.class).warn(
                            "publishing the gate's decision on {} failed (it still holds on this node): {}",
                            decided.key(), e.toString());
                }
            });
        }
    }

    private static String key(String name, Long version) {
        return name + "/v" + version;
    }
}
