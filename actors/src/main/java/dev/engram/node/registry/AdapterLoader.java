package dev.engram.node.registry;

import dev.engram.adapters.NoGradScope;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.retriever.tuning.TuningMode;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterPublished;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes an adapter's files under the node's data directory and loads them against the node's
 * encoder: what verifies an adapter (checksum already checked by the record, then shapes, module
 * names and finiteness by {@code LoraModel.load}) and what a swap serves.
 */
final class AdapterLoader {

    private static final String STAGING_SUFFIX = ".incoming";

    private final TextEncoder encoder;
    private final Path root;

    /** @param encoder null on a BM25-only node: files are kept, nothing is loaded */
    AdapterLoader(TextEncoder encoder, Path root) {
        this.encoder = encoder;
        this.root = root;
    }

    boolean canLoad() {
        return encoder != null;
    }

    /** Thrown with a reason a person can act on when an adapter cannot be served. */
    static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /**
     * Writes the files to a staging directory beside {@code root/<name>/v<version>/}, so that a
     * record that fails verification never replaces a verified copy; {@link #install} moves them
     * into place once verified.
     */
    Path stage(AdapterPublished adapter) throws IOException {
        Path dir = root.resolve(adapter.adapterName()).resolve("v" + adapter.version() + STAGING_SUFFIX);
        delete(dir);
        Files.createDirectories(dir);
        for (AdapterFile f : adapter.files()) {
            Files.write(dir.resolve(f.name()), f.bytes());
        }
        return dir;
    }

    /** Moves staged, verified files to {@code root/<name>/v<version>/}, replacing what was there. */
    Path install(Path staged, long version) throws IOException {
        Path dir = staged.resolveSibling("v" + version);
        delete(dir);
        Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** Writes the files straight to {@code root/<name>/v<version>/} (a version read back from the topic). */
    Path write(AdapterPublished adapter) throws IOException {
        return install(stage(adapter), adapter.version());
    }

    /** Deletes a version's directory (its files are on the topic, so it can be written again). */
    void delete(Path dir) throws IOException {
        if (dir == null || !dir.startsWith(root) || !Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Every {@code root/<name>/v<version>} directory on disk (staged ones too), e.g. left by an earlier run. */
    List<Path> versionDirs() throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> names = Files.list(root)) {
            for (Path name : names.filter(Files::isDirectory).toList()) {
                try (Stream<Path> versions = Files.list(name)) {
                    versions.filter(v -> Files.isDirectory(v)
                                    && v.getFileName().toString().matches("v\\d{1,18}(\\.incoming)?"))
                            .forEach(out::add);
                }
            }
        }
        return out;
    }

    /**
     * Checks what the node can serve, then loads: the caller owns the result (null on a BM25-only
     * node, and for a policy-only version, which has no adapter to load).
     */
    TenantAdapter verify(AdapterPublished adapter, Path dir) throws Unusable {
        if (adapter.method() == AdapterMethod.POLICY_ONLY) {
            checkBaseModel(adapter);
            // nothing to load: the record already holds the ranker policy and no weights
            return null;
        }
        if (adapter.method() != AdapterMethod.LORA_QUERY_SIDE) {
            throw new Unusable(
                    "method " + adapter.method() + " needs the tenant's cases re-embedded, which this "
                            + "node does not do; publish lora-query-side adapters",
                    null);
        }
        if (encoder == null) {
            return null;
        }
        checkBaseModel(adapter);
        return load(adapter.adapterName(), adapter.tenant(), adapter.version(), dir);
    }

    private void checkBaseModel(AdapterPublished adapter) throws Unusable {
        if (encoder == null) {
            return;
        }
        String base = encoder.config().model().id();
        if (!base.equals(adapter.baseModelId())) {
            throw new Unusable(
                    (adapter.method().hasAdapter() ? "adapter" : "policy-only version") + " is for base model '"
                            + adapter.baseModelId() + "' but this node serves '" + base + "'",
                    null);
        }
    }

    /** Loads verified files again (a version that becomes the serving one after a pin or rollback). */
    TenantAdapter load(String adapterName, String tenant, long version, Path dir) throws Unusable {
        try (NoGradScope ignored = NoGradScope.enter()) {
            return TenantAdapter.load(
                    dir, tenant, TuningMode.QUERY_SIDE, "", (int) Math.min(version, Integer.MAX_VALUE), encoder);
        } catch (IOException | RuntimeException e) {
            throw new Unusable("invalid adapter files for " + adapterName + " v" + version + ": " + e.getMessage(), e);
        }
    }
}
