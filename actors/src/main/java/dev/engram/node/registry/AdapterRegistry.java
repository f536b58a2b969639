package dev.engram.node.registry;

import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.streams.AdapterKey;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.TrustedNodeKeys;
import dev.engram.streams.TrustedWorkerKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's adapters, and what serves each tenant. Its {@link AdapterReader} reads
 * {@code engram.adapters} from the beginning on its own thread; each version goes through the
 * {@link VersionIntake} (admitted only when a trusted worker key signed a candidate for the
 * adapter's own tenant, its files loaded against the node's encoder, the {@link AdapterCanary}, the
 * {@link PromotionGate}), and pins and rollbacks apply only when a trusted node signed them
 * ({@link ControlAdmission}). Nothing serves on its publisher's word. This class swaps each tenant's
 * {@link ServingAdapter} atomically when what should serve changes: a refused or bad adapter is
 * listed as rejected and the previous version keeps serving; a version that fails while serving
 * ({@link #fallBack}) is marked failed and the tenant falls back to its parent (or the base). A
 * replaced adapter's native memory is freed after a grace period, once no recall holds it. On disk
 * it keeps the files of each adapter's newest {@code versionsKept} versions and of the serving,
 * pinned and rolled-back-to ones ({@link AdapterFileRetention}); a pin to a removed version reads
 * it back from the topic.
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

    private final KafkaConnection kafka;
    private final TextEncoder encoder;
    private final AdapterLoader loader;
    private final PromotionGate gate;
    private final AdapterAdmission admission;
    private final ControlAdmission controls;
    private final GateVerdicts verdicts;
    private final AdapterFileRetention files;
    private final TrialVersions trials;
    private final Map<String, AdapterHistory> histories = new TreeMap<>();
    private final AgentModelVersions agentModels = new AgentModelVersions();
    private final ServingTable serving;
    private final AdapterReader reader;

    private AdapterRegistry(
            KafkaConnection kafka,
            TextEncoder encoder,
            Path dir,
            PromotionGate gate,
            Duration grace,
            int versionsKept,
            TrustedWorkerKeys trusted,
            TrustedNodeKeys trustedNodes,
            CandidateEvaluation evaluation) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.admission = new AdapterAdmission(trusted);
        this.controls = new ControlAdmission(trustedNodes);
        this.encoder = encoder;
        this.loader = new AdapterLoader(encoder, Objects.requireNonNull(dir, "dir"));
        this.verdicts = new GateVerdicts(dir);
        CanaryCheck canary =
                encoder == null ? null : new CanaryCheck(AdapterCanary.defaults(), verdicts, loader, encoder, this);
        this.gate = Objects.requireNonNull(gate, "gate");
        this.serving = new ServingTable(encoder, Objects.requireNonNull(grace, "grace"));
        this.files = new AdapterFileRetention(kafka, loader, versionsKept, this);
        this.trials = new TrialVersions(loader, files, encoder, this, serving::retire);
        VersionIntake intake = new VersionIntake(
                this,
                histories,
                agentModels,
                admission,
                loader,
                canary,
                gate,
                evaluation,
                verdicts,
                files,
                serving,
                encoder);
        this.reader = new AdapterReader(kafka, this, histories, agentModels, controls, intake, files);
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
                new AdapterRegistry(kafka, encoder, dir, gate, grace, versionsKept, trusted, trustedNodes, evaluation);
        registry.reader.start();
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
        VersionSpec wanted = VersionSpec.parse(version);
        long number = wanted.number();
        AdapterHistory history;
        synchronized (this) {
            history = wanted.find(tenant, histories.values());
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
        return reader.caughtUp();
    }

    /** Adapters, controls and rejected records handled so far. */
    public long deliveries() {
        return reader.deliveries();
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

    /** Points the tenant at the adapter's serving version if it changed; {@code fresh} is closed if unused. */
    void swapIfChanged(AdapterHistory history, TenantAdapter fresh, long polled, long delivered, long verified) {
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
        reader.close();
        serving.close();
        // After the reclaimer stopped: what the trials held is freed at once.
        trials.close();
    }
}
