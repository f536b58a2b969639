package dev.engram.node.registry;

import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.PairedTest;
import dev.engram.retriever.ranking.RankerPolicy;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterKey;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedNodeKeys;
import dev.engram.streams.TrustedWorkerKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's adapters: reads {@code engram.adapters} from the beginning on its own thread (no
 * consumer group, read_committed), admits only candidates a trusted worker key signed for the
 * adapter's own tenant ({@link AdapterAdmission}), verifies each by loading it against the node's
 * encoder and running the {@link AdapterCanary} on it, decides it with the {@link PromotionGate},
 * applies the pins and rollbacks a trusted node signed ({@link ControlAdmission}; any other control
 * record is skipped, logged and counted), and swaps each tenant's {@link ServingAdapter} atomically. Nothing
 * serves on its publisher's word: a record published as PROMOTED is refused like an unsigned one.
 * A refused or bad adapter is listed as rejected with its reason and the previous version keeps
 * serving; a version that fails while serving ({@link #fallBack}) is marked failed and the tenant
 * falls back to its parent (or the base). A replaced adapter's native memory is freed after
 * a grace period, once no recall holds it. On disk it keeps the files of each adapter's newest
 * {@code versionsKept} versions and of the serving, pinned and rolled-back-to ones, and deletes the
 * rest (also what an earlier run left); a pin to a removed version reads it back from the topic.
 * Replaying what was on the topic at start, it runs the expensive checks (files, canary, gate) only
 * on versions that can serve ({@link ReplayPlan}); the others are listed unchecked and checked once
 * they could serve.
 *
 * <pre>{@code
 * try (AdapterRegistry registry = AdapterRegistry.start(bootstrap, encoder, dataDir.resolve("adapters"),
 *         PromotionGate.defaults(), Duration.ofSeconds(5), 5, TrustedWorkerKeys.load(trustedWorkersFile),
 *         TrustedNodeKeys.load(trustedNodesFile).with(nodeKey.publicKey()))) {
 *     ServingAdapter a = registry.acquire("acme");
 *     try {
 *         float[] q = a.queryEmbedder().embedQuery("flutter of a heated wing");   // a.label(): "acme-retriever/v3"
 *     } finally {
 *         a.release();
 *     }
 * }
 * }</pre>
 */
public final class AdapterRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdapterRegistry.class);
    /** What {@link #acquireVersion} takes for the version serving the tenant now. */
    public static final String SERVING = "serving";
    /**
     * The reader's consumer settings beyond {@link KafkaClientFactory}'s. {@code fetch.max.wait.ms}
     * stays at Kafka's 500 ms on purpose: the broker answers a waiting fetch as soon as a publish
     * (plain or transactional, read_committed) is readable, so a shorter wait does not make swaps
     * sooner; measured with NodeSwapLatencyBench, 20 ms left publish -> poll the same (p50 64 vs
     * 65 ms) and tripled an idle node's CPU (10% -> 23-33% of a core; this thread 0.4% -> 3%).
     */
    private static final Map<String, Object> READER_SETTINGS = Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
    /** How long the scan of the topic before the replay may take. */
    private static final Duration PLAN_BOUND = Duration.ofMinutes(5);
    /** How long reading one unchecked version back from the topic may take. */
    private static final Duration CHECK_READ_BOUND = Duration.ofSeconds(60);

    private final KafkaConnection kafka;
    private final TextEncoder encoder;
    private final AdapterLoader loader;
    private final PromotionGate gate;
    private final AdapterAdmission admission;
    private final ControlAdmission controls;
    private final CanaryCheck canary;
    private CandidateEvaluation evaluation;
    private final GateVerdicts verdicts;
    private final AdapterFileRetention files;
    private final TrialVersions trials;
    private final AdapterAssembler assembler = new AdapterAssembler();
    private final Map<String, AdapterHistory> histories = new TreeMap<>();
    private final AgentModelVersions agentModels = new AgentModelVersions();
    private final ServingTable serving;
    private final Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    /** Which versions on the topic at start deserve their checks during the replay; null once caught up. */
    private ReplayPlan plan;

    private volatile long deliveries;

    private AdapterRegistry(
            KafkaConnection kafka,
            TextEncoder encoder,
            Path dir,
            PromotionGate gate,
            Duration grace,
            int versionsKept,
            TrustedWorkerKeys trusted,
            TrustedNodeKeys trustedNodes) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.admission = new AdapterAdmission(trusted);
        this.controls = new ControlAdmission(trustedNodes);
        this.encoder = encoder;
        this.loader = new AdapterLoader(encoder, Objects.requireNonNull(dir, "dir"));
        this.verdicts = new GateVerdicts(dir);
        this.canary =
                encoder == null ? null : new CanaryCheck(AdapterCanary.defaults(), verdicts, loader, encoder, this);
        this.gate = Objects.requireNonNull(gate, "gate");
        this.serving = new ServingTable(encoder, Objects.requireNonNull(grace, "grace"));
        this.files = new AdapterFileRetention(kafka, loader, versionsKept, this);
        this.trials = new TrialVersions(loader, files, encoder, this, serving::retire);
        this.thread = new Thread(this::run, "engram-adapter-registry");
        this.thread.setDaemon(true);
    }

    /**
     * Starts reading the adapters topic.
     *
     * @param encoder the node's encoder (adapters are loaded against it); {@code null} on a BM25-only
     *     node, which lists and gates adapters but serves none
     * @param dir where the adapters' files are written, e.g. {@code dataDir/adapters}
     * @param grace how long a replaced adapter stays loaded before its memory is freed
     * @param versionsKept how many of each adapter's newest versions keep their files on disk
     *     (besides the serving, pinned and rolled-back-to ones), at least 1
     * @param trusted the worker keys whose signed candidates are admitted (none: every candidate is refused)
     * @param trustedNodes the node keys whose signed controls are applied (the node's own among them;
     *     none: every pin, unpin and rollback is refused)
     */
    public static AdapterRegistry start(
            String bootstrapServers,
            TextEncoder encoder,
            Path dir,
            PromotionGate gate,
            Duration grace,
            int versionsKept,
            TrustedWorkerKeys trusted,
            TrustedNodeKeys trustedNodes) {
        return start(bootstrapServers, encoder, dir, gate, grace, versionsKept, trusted, trustedNodes, null);
    }

    /**
     * As {@link #start(String, TextEncoder, Path, PromotionGate, Duration, int, TrustedWorkerKeys,
     * TrustedNodeKeys)},
     * with the gate's own measurement of candidates.
     *
     * @param evaluation scores a candidate against the serving version on the tenant's held-out tasks
     *     (paired); {@code null} to decide on the figures the worker published (and signed)
     */
    public static AdapterRegistry start(
            String bootstrapServers,
            TextEncoder encoder,
            Path dir,
            PromotionGate gate,
            Duration grace,
            int versionsKept,
            TrustedWorkerKeys trusted,
            TrustedNodeKeys trustedNodes,
            CandidateEvaluation evaluation) {
        return start(
                KafkaConnection.of(bootstrapServers),
                encoder,
                dir,
                gate,
                grace,
                versionsKept,
                trusted,
                trustedNodes,
                evaluation);
    }

    /** As above, over a connection with client properties (SASL, SSL). */
    public static AdapterRegistry start(
            KafkaConnection kafka,
            TextEncoder encoder,
            Path dir,
            PromotionGate gate,
            Duration grace,
            int versionsKept,
            TrustedWorkerKeys trusted,
            TrustedNodeKeys trustedNodes,
            CandidateEvaluation evaluation) {
        AdapterRegistry registry =
                new AdapterRegistry(kafka, encoder, dir, gate, grace, versionsKept, trusted, trustedNodes);
        registry.evaluation = evaluation;
        registry.thread.start();
        return registry;
    }

    /**
     * The tenant's serving adapter with a lease taken: use its {@link ServingAdapter#queryEmbedder()}
     * and then {@link ServingAdapter#release()} it. Never fails; the base encoder when none serves.
     */
    public ServingAdapter acquire(String tenant) {
        return serving.acquire(tenant);
    }

    /**
     * A lease on one version of {@code tenant}'s retriever policy, whether it serves or not, to try it
     * beside another (the console's playground): use its {@link ServingAdapter#queryEmbedder()} and
     * {@link ServingAdapter#policy()}, then {@link ServingAdapter#release()} it. A version that does
     * not serve is loaded on demand through the same loader a swap uses, only if this node admitted
     * and verified it (trusted signature, files, canary); a few stay cached. Nothing here changes
     * what serves the tenant, and a version that fails is not marked failed.
     *
     * <pre>{@code
     * ServingAdapter v2 = registry.acquireVersion("acme", "2");   // or "serving", "base", "acme-retriever/v2"
     * try { ... v2.queryEmbedder().embedQuery(task) ... } finally { v2.release(); }
     * }</pre>
     *
     * @param version {@value #SERVING}, {@value ServingAdapter#BASE}, a version number of the tenant's
     *     adapter ({@code "2"} or {@code "v2"}), or {@code "<adapter>/v<version>"} when the tenant has
     *     several adapters
     * @throws IllegalArgumentException when {@code version} is none of these forms
     * @throws UnknownVersionException when the tenant has no such adapter or version
     * @throws VersionUnavailableException when the version is known but may not or cannot be loaded
     */
    public ServingAdapter acquireVersion(String tenant, String version)
            throws UnknownVersionException, VersionUnavailableException {
        Objects.requireNonNull(tenant, "tenant");
        String spec = Objects.requireNonNull(version, "version").strip();
        if (spec.equals(SERVING)) {
            return acquire(tenant);
        }
        if (spec.equals(ServingAdapter.BASE)) {
            ServingAdapter base = ServingAdapter.base(tenant, encoder);
            base.tryAcquire();
            return base;
        }
        AdapterHistory history;
        long number;
        synchronized (this) {
            int slash = spec.lastIndexOf('/');
            String name = slash < 0 ? null : spec.substring(0, slash);
            number = versionNumber(slash < 0 ? spec : spec.substring(slash + 1), version);
            List<AdapterHistory> own = histories.values().stream()
                    .filter(h -> tenant.equals(h.tenant()))
                    .filter(h -> name == null || h.adapterName().equals(name))
                    .toList();
            if (own.isEmpty()) {
                throw new UnknownVersionException(
                        "tenant '" + tenant + "' has no adapter" + (name == null ? "" : " named '" + name + "'")
                                + " on this node (GET /v1/adapters lists them)");
            }
            if (own.size() > 1) {
                throw new UnknownVersionException("tenant '" + tenant + "' has several adapters ("
                        + own.stream().map(AdapterHistory::adapterName).toList() + "): name one, e.g. '"
                        + own.get(0).adapterName() + "/v" + number + "'");
            }
            history = own.get(0);
            if (history.get(number) == null) {
                throw new UnknownVersionException(history.adapterName() + " has no version " + number
                        + " on this node (GET /v1/adapters/" + history.adapterName() + " lists them)");
            }
        }
        ServingAdapter current = acquire(tenant);
        if (history.adapterName().equals(current.adapterName()) && current.version() == number) {
            return current;
        }
        current.release();
        return trials.acquire(history, number);
    }

    /** The labels of the versions loaded for trials now ({@link #acquireVersion}), least recently tried first. */
    public List<String> triedVersions() {
        return trials.loadedLabels();
    }

    private static long versionNumber(String text, String spec) {
        String digits = text.startsWith("v") ? text.substring(1) : text;
        if (!digits.matches("\\d{1,18}")) {
            throw new IllegalArgumentException("version '" + spec + "' is not one: give 'serving', 'base', a number "
                    + "such as '3' or 'v3', or '<adapter>/v3'");
        }
        return Long.parseLong(digits);
    }

    /** The label of the tenant's serving version now, e.g. {@code "acme-retriever/v3"} or {@code "base"}. */
    public String servingLabel(String tenant) {
        return serving.label(tenant);
    }

    /** Tenant → the label of its serving version, for every tenant not served by the base encoder. */
    public Map<String, String> servingLabels() {
        return serving.labels();
    }

    /** Every adapter seen, by name, with its versions, the serving and the pinned one. */
    public synchronized List<AdapterView> adapters() {
        List<AdapterView> out = new ArrayList<>();
        histories.values().forEach(h -> out.add(h.view(h.servingVersion())));
        out.addAll(agentModels.views());
        return out;
    }

    /** One adapter by name, or {@code null} when this node has seen none by that name. */
    public synchronized AdapterView adapter(String name) {
        AdapterHistory h = histories.get(name);
        return h == null ? agentModels.view(name) : h.view(h.servingVersion());
    }

    /**
     * Version {@code version} of {@code name} as its worker published it (its files byte for byte),
     * read back from {@code engram.adapters}: the record with the checksum this node lists, signed by a
     * trusted worker key for the adapter's tenant. Blocking (one read of the topic): call it off the
     * HTTP threads.
     *
     * @throws UnknownVersionException when this node lists no such adapter or version
     * @throws VersionUnavailableException when it lists it but has no trusted record of it to give out
     */
    public AdapterPublished published(String name, long version)
            throws UnknownVersionException, VersionUnavailableException {
        AdapterView view = adapter(name);
        if (view == null) {
            throw new UnknownVersionException(
                    "no adapter named '" + name + "' on this node (GET /v1/adapters lists them)");
        }
        return new PublishedVersionReader(kafka, admission.trusted()).read(view, version);
    }

    /** {@code true} once everything on the topic when the registry started has been read. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Adapters, controls and rejected records handled so far. */
    public long deliveries() {
        return deliveries;
    }

    /**
     * Calls {@code observer} after every swap of a tenant's serving adapter, on the thread that swapped
     * (the registry's, or a recall's that fell back from a failing version; keep it quick: the next
     * swap waits for it). For benchmarks and monitoring.
     */
    public void onSwap(Consumer<AdapterSwap> observer) {
        serving.onSwap(Objects.requireNonNull(observer, "observer"));
    }

    /** The gate candidates are decided with. */
    public PromotionGate gate() {
        return gate;
    }

    /** The worker keys whose signed candidates this registry admits. */
    public TrustedWorkerKeys trustedWorkers() {
        return admission.trusted();
    }

    /** The node keys whose signed controls (pin, unpin, rollback) this registry applies. */
    public TrustedNodeKeys trustedNodes() {
        return controls.trusted();
    }

    /** Control records skipped so far: unsigned, signed by an untrusted key, altered, replayed or unreadable. */
    public long refusedControls() {
        return controls.refused();
    }

    /** Why the last control record was skipped, {@code "<adapter>: <why>"}; null when none was. */
    public String lastRefusedControl() {
        return controls.lastRefusal();
    }

    /**
     * The versions that failed while serving and that their tenant has fallen back from (no newer
     * version serves yet), each as {@code "<name>/v<version>: <why>"}: what {@code /health} reports.
     */
    public synchronized List<String> failedVersions() {
        List<String> out = new ArrayList<>();
        for (AdapterHistory h : histories.values()) {
            for (AdapterHistory.Entry e : h.failedAboveServing()) {
                out.add(AdapterKey.version(h.adapterName(), e.version()) + ": " + e.reason());
            }
        }
        return out;
    }

    /**
     * What recall calls when {@code failed}, a version it acquired, could not embed a query (it threw
     * or gave non-finite values): marks the version failed (listed as rejected with {@code why}, and
     * recorded, so a restart does not serve it again), points its tenant at the version that serves
     * instead (its parent or an earlier promoted one, else the base encoder) and returns a lease on
     * that, never on {@code failed}. Release {@code failed} yourself.
     *
     * @throws IllegalArgumentException for the base encoder, which has nothing to fall back to
     */
    public ServingAdapter fallBack(ServingAdapter failed, String why) {
        if (failed.adapterName() == null) {
            throw new IllegalArgumentException("the base encoder failed (" + why + "); it has nothing to fall back to");
        }
        String tenant = failed.tenant();
        AdapterHistory history;
        AdapterHistory.Entry marked = null;
        synchronized (this) {
            history = histories.get(failed.adapterName());
            AdapterHistory.Entry e = history == null ? null : history.get(failed.version());
            if (e != null && !e.failed()) {
                marked = e.failedWhileServing("failed while serving: " + why + "; recall fell back from it");
                history.put(null, marked);
            }
        }
        if (marked != null) {
            log.error(
                    "{} failed while serving tenant {} ({}); it is marked failed and recall falls back",
                    failed.label(),
                    tenant,
                    why);
            if (marked.payloadSha256() != null) {
                verdicts.put(
                        GateVerdicts.key(failed.adapterName(), failed.version(), marked.payloadSha256()),
                        new PromotionGate.Decision(false, marked.reason()));
            }
        }
        if (history != null) {
            long now = System.nanoTime();
            swapIfChanged(history, null, now, now, now);
        }
        ServingAdapter next = acquire(tenant);
        if (next.label().equals(failed.label())) {
            // The version to fall back to could not be loaded either: the base encoder answers.
            next.release();
            next = serving.base(tenant);
        }
        return next;
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> c = KafkaClientFactory.consumer(kafka, null, READER_SETTINGS)) {
            consumer = c;
            List<TopicPartition> partitions = c.partitionsFor(Topics.ADAPTERS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            c.assign(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            long scanStarted = System.nanoTime();
            try {
                plan = ReplayPlan.read(c, partitions, end, PLAN_BOUND, controls.trusted());
            } catch (RuntimeException e) {
                // Without the plan every version is checked, as a slower start: never a reason to stop reading.
                log.warn(
                        "could not scan {} before replaying it ({}); checking every version",
                        Topics.ADAPTERS,
                        e.toString());
                plan = null;
                c.seekToBeginning(partitions);
            }
            long replayStarted = System.nanoTime();
            while (running) {
                ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(200));
                long polled = System.nanoTime();
                for (ConsumerRecord<String, byte[]> record : records) {
                    // Records that were on the topic at start are history: only what can serve is checked.
                    boolean replaying = !caughtUp
                            && record.offset()
                                    < end.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L);
                    for (AdapterAssembler.Delivery d : assembler.accept(record)) {
                        handle(d, polled, replaying);
                    }
                }
                if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    int checkedLate = checkWhatCouldServe();
                    files.removeStray(histories.values());
                    log.info(
                            "adapters read: {} versions on {} at start (scan {} ms, replay {} ms; {} unchecked "
                                    + "version(s) checked because a newer one could not serve)",
                            plan == null ? "?" : plan.versions(),
                            Topics.ADAPTERS,
                            (replayStarted - scanStarted) / 1_000_000,
                            (System.nanoTime() - replayStarted) / 1_000_000,
                            checkedLate);
                    plan = null;
                    caughtUp = true;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                log.error(
                        "the adapter registry stopped reading {}: {}; adapters no longer change on this node",
                        Topics.ADAPTERS,
                        e.toString(),
                        e);
            }
        }
    }

    private void handle(AdapterAssembler.Delivery delivery, long polled, boolean replaying) {
        try {
            if (delivery instanceof AdapterAssembler.Delivery.Adapter a) {
                adapter(a.adapter(), a.offset(), polled, replaying);
            } else if (delivery instanceof AdapterAssembler.Delivery.Control c) {
                control(c.control(), c.offset(), polled, replaying);
            } else if (delivery instanceof AdapterAssembler.Delivery.Rejected r) {
                rejected(r);
            }
            deliveries++;
        } catch (RuntimeException e) {
            log.error("adapter delivery {} could not be applied: {}", delivery, e.toString(), e);
        }
    }

    private void adapter(AdapterPublished adapter, long offset, long polled, boolean replaying) {
        if (adapter.kind() == AdapterKind.AGENT_MODEL) {
            agentModel(adapter, offset);
            return;
        }
        synchronized (this) {
            if (agentModels.has(adapter.adapterName())) {
                log.warn(
                        "skipped retriever adapter {} v{} at offset {}: {} is an agent-model adapter's name",
                        adapter.adapterName(),
                        adapter.version(),
                        offset,
                        adapter.adapterName());
                return;
            }
        }
        long started = System.nanoTime();
        TenantAdapter fresh = null;
        AdapterHistory.Entry entry;
        AdapterHistory.Entry previous;
        AdapterHistory history;
        String adapterTenant;
        synchronized (this) {
            history = histories.computeIfAbsent(adapter.adapterName(), AdapterHistory::new);
            previous = history.get(adapter.version());
            adapterTenant = history.tenant();
        }
        // Who proposes it comes first: nothing of a refused record is written to disk or loaded.
        Optional<String> refused = admission.refusal(adapter, adapterTenant);
        if (refused.isPresent()) {
            refuse(history, adapter, previous, offset, refused.get());
            return;
        }
        if (replaying
                && plan != null
                && (previous == null || previous.unchecked())
                && !plan.worthChecking(adapter.adapterName(), adapter.version())) {
            synchronized (this) {
                history.made(adapter.version(), adapter.createdAt());
                history.put(
                        adapter.tenant(),
                        AdapterHistory.Entry.unchecked(
                                adapter.version(),
                                adapter.metrics(),
                                adapter.payloadSha256(),
                                offset,
                                "not checked: a trusted worker signed it, but a newer version was on "
                                        + Topics.ADAPTERS + " when this node started; it is checked (files, canary, "
                                        + "gate) if it could serve: pinned, rolled back to, or a newer one fails",
                                adapter.method()));
            }
            return;
        }
        Path dir = null;
        String invalid = null;
        boolean reuse = previous != null
                && previous.verified()
                && previous.dir() != null
                && previous.payloadSha256() != null
                && previous.payloadSha256().equals(adapter.payloadSha256());
        if (reuse) {
            dir = previous.dir();
        } else {
            Path staged = null;
            try {
                staged = loader.stage(adapter);
                fresh = loader.verify(adapter, staged);
                Optional<String> sick = fresh == null
                        ? Optional.empty()
                        : canary.check(history, adapter, fresh, serving.servedBy(adapter.adapterName()));
                if (sick.isPresent()) {
                    ServingTable.closeQuietly(fresh);
                    fresh = null;
                    throw new AdapterLoader.Unusable(sick.get(), null);
                }
                dir = loader.install(staged, adapter.version());
            } catch (AdapterLoader.Unusable e) {
                invalid = e.getMessage();
                files.discard(staged);
            } catch (java.io.IOException e) {
                ServingTable.closeQuietly(fresh);
                fresh = null;
                files.discard(staged);
                invalid = "could not write the adapter's files under the node's data directory: " + e.getMessage();
            }
        }
        RankerPolicy policy = null;
        if (invalid == null) {
            try {
                policy = adapter.file(AdapterFile.RANKER_POLICY)
                        .map(f -> RankerPolicy.fromJson(new String(f.bytes(), StandardCharsets.UTF_8)))
                        .orElse(RankerPolicy.untuned());
            } catch (RuntimeException e) {
                invalid = AdapterFile.RANKER_POLICY + ": " + e.getMessage();
            }
        }
        long verified = System.nanoTime();
        AdapterStatus status;
        String reason;
        if (invalid != null) {
            status = AdapterStatus.REJECTED;
            reason = invalid;
        } else {
            PromotionGate.Decision d = decide(adapter, fresh, policy);
            status = d.promoted() ? AdapterStatus.PROMOTED : AdapterStatus.REJECTED;
            reason = d.reason();
        }
        if (invalid != null && previous != null && previous.verified()) {
            log.warn(
                    "{} v{} at offset {} is unusable ({}); keeping the verified copy read earlier",
                    adapter.adapterName(),
                    adapter.version(),
                    offset,
                    invalid);
            return;
        }
        entry = new AdapterHistory.Entry(
                adapter.version(),
                status,
                reason,
                adapter.metrics(),
                adapter.payloadSha256(),
                invalid == null,
                offset,
                dir,
                policy,
                false,
                false,
                adapter.method());
        log.info(
                "adapter {} v{} for tenant {}: {} ({})",
                adapter.adapterName(),
                adapter.version(),
                adapter.tenant(),
                status,
                reason);
        synchronized (this) {
            history.made(adapter.version(), adapter.createdAt());
            history.put(adapter.tenant(), entry);
        }
        swapIfChanged(history, fresh, polled, started, verified);
        files.removeOld(history);
    }

    /**
     * An agent-model adapter is listed, never loaded: nothing of it is written to disk, and it
     * touches no retriever adapter's history, canary or gate.
     */
    private void agentModel(AdapterPublished adapter, long offset) {
        synchronized (this) {
            if (histories.containsKey(adapter.adapterName())) {
                log.warn(
                        "skipped agent-model adapter {} v{} at offset {}: {} is a retriever adapter's name",
                        adapter.adapterName(),
                        adapter.version(),
                        offset,
                        adapter.adapterName());
                return;
            }
            Optional<String> refused = admission.refusal(adapter, agentModels.tenant(adapter.adapterName()));
            agentModels.put(adapter, refused);
            log.info(
                    "agent-model adapter {} v{} for tenant {} at offset {}: listed, not loaded ({})",
                    adapter.adapterName(),
                    adapter.version(),
                    adapter.tenant(),
                    offset,
                    refused.orElse(adapter.planLoss().promote() ? "gate promoted" : "gate rejected"));
        }
    }

    /** Lists a refused version as rejected, unless a version read earlier under its key was admitted and verified. */
    private void refuse(
            AdapterHistory history,
            AdapterPublished adapter,
            AdapterHistory.Entry previous,
            long offset,
            String reason) {
        if (previous != null && previous.verified()) {
            log.warn(
                    "{} v{} at offset {} refused ({}); the version read earlier under its key stays",
                    adapter.adapterName(),
                    adapter.version(),
                    offset,
                    reason);
            return;
        }
        synchronized (this) {
            history.put(
                    null,
                    new AdapterHistory.Entry(
                            adapter.version(),
                            AdapterStatus.REJECTED,
                            reason,
                            adapter.metrics(),
                            adapter.payloadSha256(),
                            false,
                            offset,
                            null,
                            null));
        }
        log.warn(
                "adapter {} v{} for tenant {} refused: {}",
                adapter.adapterName(),
                adapter.version(),
                adapter.tenant(),
                reason);
    }

    /**
     * The gate: its own paired measurement of the candidate against the serving version when it can
     * make one, else the worker's figures.
     */
    private PromotionGate.Decision decide(AdapterPublished adapter, TenantAdapter candidate, RankerPolicy policy) {
        String key = GateVerdicts.key(adapter.adapterName(), adapter.version(), adapter.payloadSha256());
        Optional<PromotionGate.Decision> recorded = verdicts.get(key);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        // A policy-only version ranks over the base encoder: the gate scores its policy there.
        boolean scorable = candidate != null || !adapter.method().hasAdapter();
        if (evaluation != null && scorable && encoder != null) {
            ServingAdapter serving = acquire(adapter.tenant());
            try {
                ServingAdapter scored = ServingAdapter.candidate(
                        adapter.tenant(),
                        adapter.adapterName(),
                        adapter.version(),
                        candidate == null ? encoder : candidate.embedder(encoder),
                        policy);
                Optional<PairedTest> test = evaluation.evaluate(scored, serving);
                if (test.isPresent()) {
                    PromotionGate.Decision measured = gate.decide(test.get(), serving.label());
                    verdicts.put(key, measured);
                    return measured;
                }
            } catch (RuntimeException e) {
                log.warn(
                        "the gate could not score {} v{} itself ({}); deciding on the published figures",
                        adapter.adapterName(),
                        adapter.version(),
                        e.toString());
            } finally {
                serving.release();
            }
        }
        return gate.decide(adapter.metrics());
    }

    private void control(AdapterControl control, long offset, long polled, boolean replaying) {
        long started = System.nanoTime();
        // Who issued it comes first: a control no trusted node signed changes nothing.
        Optional<String> refused = controls.admit(control);
        if (refused.isPresent()) {
            log.warn(
                    "control {}{} for adapter {} at offset {} (operator '{}') skipped: {}",
                    control.action(),
                    control.version() == null ? "" : " v" + control.version(),
                    control.adapterName(),
                    offset,
                    control.operator(),
                    refused.get());
            return;
        }
        synchronized (this) {
            if (agentModels.has(control.adapterName())) {
                log.warn(
                        "ignored {} of agent-model adapter {}: nodes do not serve agent-model adapters",
                        control.action(),
                        control.adapterName());
                return;
            }
        }
        AdapterHistory history;
        synchronized (this) {
            history = histories.computeIfAbsent(control.adapterName(), AdapterHistory::new);
            history.control(control, offset);
        }
        if (!replaying) {
            checkWhatCouldServe(history);
        }
        log.info(
                "adapter {}: {} {} by {} ({}; signed by node key {})",
                control.adapterName(),
                control.action(),
                control.version() == null ? "" : "v" + control.version(),
                control.operator(),
                control.reason(),
                control.signerKeyId());
        swapIfChanged(history, null, polled, started, started);
        files.removeOld(history);
    }

    private void rejected(AdapterAssembler.Delivery.Rejected r) {
        log.warn(
                "adapter record {} at {}-{}@{} rejected: {}",
                r.key(),
                r.topic(),
                r.partition(),
                r.offset(),
                r.reason());
        // A version's header or chunk: that version stays visible as rejected. Controls and foreign keys name none.
        AdapterKey key = AdapterKey.tryParse(r.key()).orElse(null);
        if (key != null && key.kind() == AdapterKey.Kind.CONTROL) {
            controls.unreadable(key.adapterName(), r.reason());
            return;
        }
        if (key == null) {
            return;
        }
        long version = key.version();
        synchronized (this) {
            AdapterHistory history = histories.computeIfAbsent(key.adapterName(), AdapterHistory::new);
            AdapterHistory.Entry previous = history.get(version);
            if (previous == null || !previous.verified()) {
                history.put(
                        null,
                        new AdapterHistory.Entry(
                                version,
                                AdapterStatus.REJECTED,
                                "unreadable record: " + r.reason(),
                                null,
                                null,
                                false,
                                r.offset(),
                                null,
                                null));
            }
        }
    }

    /** Checks, for every adapter, the unchecked versions that could serve; returns how many it checked. */
    private int checkWhatCouldServe() {
        List<AdapterHistory> all;
        synchronized (this) {
            all = new ArrayList<>(histories.values());
        }
        int checked = 0;
        for (AdapterHistory h : all) {
            checked += checkWhatCouldServe(h);
        }
        return checked;
    }

    /**
     * Checks the unchecked versions of {@code history} that could serve, newest first, until none
     * could (the first that passes serves, or each one failed): each is read back from the topic and
     * goes through what a version read live goes through. Returns how many it checked.
     */
    private int checkWhatCouldServe(AdapterHistory history) {
        int checked = 0;
        while (true) {
            AdapterHistory.Entry next;
            synchronized (this) {
                List<AdapterHistory.Entry> could = history.uncheckedThatCouldServe();
                next = could.isEmpty() ? null : could.get(0);
            }
            if (next == null) {
                return checked;
            }
            checked++;
            log.info(
                    "checking {} v{}, left unchecked at start: it could serve now",
                    history.adapterName(),
                    next.version());
            try {
                AdapterPublished published = AdapterRefetch.read(
                        kafka, history.adapterName(), next.version(), next.payloadSha256(), CHECK_READ_BOUND);
                adapter(published, next.offset(), System.nanoTime(), false);
            } catch (AdapterLoader.Unusable | RuntimeException e) {
                log.warn("{} v{} could not be checked: {}", history.adapterName(), next.version(), e.toString());
            }
            synchronized (this) {
                AdapterHistory.Entry after = history.get(next.version());
                if (after != null && after.unchecked()) {
                    // Never loop on it: it is rejected with the reason.
                    history.put(
                            null,
                            new AdapterHistory.Entry(
                                    next.version(),
                                    AdapterStatus.REJECTED,
                                    "could not be checked: it is no longer readable on " + Topics.ADAPTERS,
                                    next.metrics(),
                                    next.payloadSha256(),
                                    false,
                                    next.offset(),
                                    null,
                                    null));
                }
            }
        }
    }

    /** Points the tenant at the adapter's serving version if it changed; {@code fresh} is closed if unused. */
    private void swapIfChanged(
            AdapterHistory history, TenantAdapter fresh, long polled, long delivered, long verified) {
        serving.swap(
                history.adapterName(),
                () -> target(history),
                fresh,
                t -> loader.load(
                        history.adapterName(),
                        t.tenant(),
                        t.version(),
                        t.entry().dir() != null ? t.entry().dir() : files.readBack(history, t.entry())),
                polled,
                delivered,
                verified);
    }

    private synchronized ServingTable.Target target(AdapterHistory history) {
        Long version = history.servingVersion();
        return new ServingTable.Target(
                history.tenant(), version == null ? 0 : version, version == null ? null : history.get(version));
    }

    /** Stops reading, then frees every loaded adapter (recalls still in flight keep theirs until done). */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        serving.close();
        // After the reclaimer stopped: what the trials held is freed at once.
        trials.close();
    }
}
