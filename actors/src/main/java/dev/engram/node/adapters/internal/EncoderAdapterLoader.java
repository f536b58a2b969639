package dev.engram.node.adapters.internal;

import dev.engram.adapters.InvalidAdapterException;
import dev.engram.adapters.NoGradScope;
import dev.engram.memory.Embedder;
import dev.engram.node.adapters.AdapterLoader;
import dev.engram.node.adapters.InvalidServingAdapterException;
import dev.engram.node.adapters.ServingAdapter;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.retriever.tuning.TuningMode;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterPublished;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loads query-side LoRA adapters over the node's shared {@link TextEncoder} with
 * {@link TenantAdapter#load} (which runs {@code LoraModel.load}: every shape, value and module is
 * checked before any array is made). The files go through a temporary directory that is deleted
 * right after.
 */
public final class EncoderAdapterLoader implements AdapterLoader {

    private final TextEncoder encoder;

    public EncoderAdapterLoader(TextEncoder encoder) {
        this.encoder = encoder;
    }

    @Override
    public ServingAdapter load(AdapterPublished adapter) {
        if (adapter.method() != AdapterMethod.LORA_QUERY_SIDE) {
            throw new InvalidServingAdapterException("method " + adapter.method() + " is not served by this node: "
                    + "only " + AdapterMethod.LORA_QUERY_SIDE + " adapters swap without re-embedding the tenant's cases");
        }
        String baseModel = encoder.config().model().id();
        if (!baseModel.equals(adapter.baseModelId())) {
            throw new InvalidServingAdapterException("adapter is for base model '" + adapter.baseModelId()
                    + "' but this node's encoder is '" + baseModel + "'");
        }
        Path dir = null;
        try (NoGradScope ignored = NoGradScope.enter()) {
            dir = Files.createTempDirectory("engram-adapter-");
            for (AdapterFile f : adapter.files()) {
                Files.write(dir.resolve(f.name()), f.bytes());
            }
            int round = (int) Math.min(Integer.MAX_VALUE, adapter.version());
            TenantAdapter loaded = TenantAdapter.load(dir, adapter.tenant(), TuningMode.QUERY_SIDE, "", round, encoder);
            Embedder embedder = loaded.embedder(encoder);
            return new ServingAdapter(adapter.tenant(), adapter.adapterName(), adapter.version(),
                    new NoGradEmbedder(embedder), loaded);
        } catch (InvalidAdapterException e) {
            throw new InvalidServingAdapterException("invalid adapter files: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not stage adapter " + adapter.key() + " in a temporary directory: "
                    + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidServingAdapterException("adapter does not fit the base encoder: " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            List<Path> all = paths.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
