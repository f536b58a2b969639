package dev.engram.node.registry;

import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.TenantAdapter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versions of a tenant's retriever policy loaded on demand to be tried beside another (the
 * console's playground), never to serve. Only versions the registry admitted and verified are
 * loaded (trusted signature, files that load against this node's encoder, canary passed: what
 * {@link AdapterHistory.Entry#servable()} says), through the same {@link AdapterLoader} a swap
 * uses, so the shapes and finiteness are checked again on every load. At most {@link #CACHED}
 * stay loaded; the least recently tried one is retired (freed once no trial holds it).
 */
final class TrialVersions {

    /** How many tried versions stay loaded: a playground compares two, a third is the next pair's. */
    static final int CACHED = 3;

    private static final Logger log = LoggerFactory.getLogger(TrialVersions.class);

    private final AdapterLoader loader;
    private final AdapterFileRetention files;
    private final TextEncoder encoder;
    private final Object registryLock;
    private final Consumer<ServingAdapter> retire;
    private final LinkedHashMap<String, ServingAdapter> loaded = new LinkedHashMap<>(8, 0.75f, true);

    /** @param retire frees a version no longer cached once the trials holding it are done */
    TrialVersions(
            AdapterLoader loader,
            AdapterFileRetention files,
            TextEncoder encoder,
            Object registryLock,
            Consumer<ServingAdapter> retire) {
        this.loader = loader;
        this.files = files;
        this.encoder = encoder;
        this.registryLock = registryLock;
        this.retire = retire;
    }

    /** A lease on version {@code version} of {@code history}'s adapter, loaded if it is not cached. */
    synchronized ServingAdapter acquire(AdapterHistory history, long version) throws VersionUnavailableException {
        AdapterHistory.Entry entry;
        String tenant;
        synchronized (registryLock) {
            entry = history.get(version);
            tenant = history.tenant();
        }
        String label = history.adapterName() + "/v" + version;
        if (entry == null || tenant == null) {
            throw new VersionUnavailableException(label + " is not known to this node");
        }
        if (encoder == null) {
            throw new VersionUnavailableException(
                    "this node recalls bm25 only and loads no adapter; try versions on a node with an embedder");
        }
        if (entry.unchecked()) {
            throw new VersionUnavailableException(label + " was never checked on this node (" + entry.reason()
                    + "); pin or roll back to it to have it checked");
        }
        if (entry.failed()) {
            throw new VersionUnavailableException(
                    label + " failed while serving and is not loaded again: " + entry.reason());
        }
        if (!entry.verified()) {
            throw new VersionUnavailableException(
                    label + " was refused by this node, so it is never loaded: " + entry.reason());
        }
        String key = label + "@" + entry.payloadSha256();
        ServingAdapter cached = loaded.get(key);
        if (cached != null && cached.tryAcquire()) {
            return cached;
        }
        // Loaded under this lock, reading the files back from the topic if they were removed from disk:
        // trials are an operator's, rare, and two asking for one version must not load it twice.
        TenantAdapter adapter;
        try {
            Path dir = entry.dir() != null ? entry.dir() : files.readBack(history, entry);
            adapter = loader.load(history.adapterName(), tenant, version, dir);
        } catch (AdapterLoader.Unusable | RuntimeException e) {
            log.warn("could not load {} to try it: {}", label, e.toString());
            throw new VersionUnavailableException("could not load " + label + " to try it: " + e.getMessage());
        }
        ServingAdapter trial = new ServingAdapter(
                tenant, history.adapterName(), version, adapter.embedder(encoder), entry.policy(), adapter);
        trial.tryAcquire();
        loaded.put(key, trial);
        for (Iterator<Map.Entry<String, ServingAdapter>> it = loaded.entrySet().iterator();
                loaded.size() > CACHED && it.hasNext(); ) {
            ServingAdapter old = it.next().getValue();
            it.remove();
            retire.accept(old);
        }
        return trial;
    }

    /** The labels of the versions loaded for trials now, least recently tried first (for tests and health). */
    synchronized List<String> loadedLabels() {
        return loaded.values().stream().map(ServingAdapter::label).toList();
    }

    /** Frees every cached version (trials in flight keep theirs until they release). */
    synchronized void close() {
        loaded.values().forEach(ServingAdapter::tryFree);
        loaded.clear();
    }
}
