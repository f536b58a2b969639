package dev.engram.adapters;

import ai.djl.ndarray.NDManager;
import dev.engram.adapters.internal.AdapterPayload;
import dev.engram.adapters.internal.FloatTensor;
import dev.engram.adapters.internal.PeftAdapterConfig;
import dev.engram.adapters.internal.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of LoRA layers over a model's frozen linear layers, chosen by
 * {@link LoraConfig#targets(String) target pattern} and keyed by Hugging Face module path.
 *
 * <pre>{@code
 * Map<String, FrozenLinear> frozen = encoder.frozenLinears();           // path -> layer (the encoder's API)
 * try (LoraModel lora = LoraModel.attach(frozen, config, manager, 42)) {
 *     lora.layers().forEach(encoder::replaceLinear);                    // path -> LoraLinear
 *     lora.setTraining(true);
 *     new AdapterTrainer(trainingConfig).fit(lora.trainableParameters(), (sm, step) -> loss(sm, step));
 *     lora.setTraining(false);
 *     lora.save(dir);                                                   // PEFT adapter directory
 * }
 * }</pre>
 *
 * <p>The model's arrays live in a sub-manager of the given manager, released by {@link #close()}.
 * The frozen layers are never written to.
 */
public final class LoraModel implements AutoCloseable {

    private final LoraConfig config;
    private final NDManager manager;
    private final Map<String, LoraLinear> layers;
    private final long seed;
    private int stage;

    private LoraModel(LoraConfig config, NDManager manager, Map<String, LoraLinear> layers, long seed) {
        this.config = config;
        this.manager = manager;
        this.layers = Collections.unmodifiableMap(layers);
        this.seed = seed;
    }

    /**
     * Wraps every layer of {@code base} whose path {@code config} targets in a fresh adapter.
     *
     * @param seed seeds the adapters' initial values (same seed, same adapter)
     * @throws IllegalArgumentException when the pattern matches no path
     */
    public static LoraModel attach(Map<String, FrozenLinear> base, LoraConfig config, NDManager manager, long seed) {
        Map<String, LoraLinear> layers = new TreeMap<>();
        NDManager own = manager.newSubManager();
        try {
            for (Map.Entry<String, FrozenLinear> e : new TreeMap<>(base).entrySet()) {
                if (config.targets(e.getKey())) {
                    layers.put(e.getKey(), LoraLinear.create(e.getKey(), e.getValue(), config, own, seed));
                }
            }
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
        if (layers.isEmpty()) {
            own.close();
            List<String> sample = new ArrayList<>(new TreeMap<>(base).keySet()).subList(0, Math.min(5, base.size()));
            throw new IllegalArgumentException("target modules "
                    + (config.targetModulesRegex() != null ? config.targetModulesRegex() : config.targetModules())
                    + " match none of the "
                    + base.size() + " modules given (e.g. " + sample + ")");
        }
        return new LoraModel(config, own, layers, seed);
    }

    /**
     * Reads a PEFT adapter directory and applies it to {@code base} (the original base model). The
     * whole directory is validated first; on any problem an {@link InvalidAdapterException} names
     * the file and the problem, and nothing has been created.
     */
    public static LoraModel load(Path dir, Map<String, FrozenLinear> base, NDManager manager) throws IOException {
        AdapterPayload payload = AdapterPayload.read(dir, base);
        Map<String, String> meta = payload.metadata();
        LoraConfig config = payload.config().toBuilder()
                .freezeA(Boolean.parseBoolean(meta.getOrDefault(META_FREEZE_A, "false")))
                .loraPlusRatio(parseRatio(meta.get(META_LORA_PLUS)))
                .build();
        NDManager own = manager.newSubManager();
        Map<String, LoraLinear> layers = new TreeMap<>();
        try {
            payload.modules()
                    .forEach((path, t) -> layers.put(
                            path, LoraLinear.restore(path, base.get(path), config, own, t.a(), t.b(), t.magnitude())));
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
        return new LoraModel(config, own, layers, 0);
    }

    private static final String META_FREEZE_A = "engram.freeze_a";
    private static final String META_LORA_PLUS = "engram.lora_plus_ratio";
    private static final String META_STAGES = "engram.merged_stages";

    private static double parseRatio(String value) {
        try {
            return value == null ? 1 : Math.max(1, Double.parseDouble(value));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** The replacement layers by module path, in path order. */
    public Map<String, LoraLinear> layers() {
        return layers;
    }

    public LoraConfig config() {
        return config;
    }

    /** How many times {@link #mergeAndReset()} has run. */
    public int stage() {
        return stage;
    }

    /**
     * What the optimiser trains: per layer {@code lora_A} (unless LoRA-FA freezes it), {@code lora_B}
     * at λ× the learning rate under LoRA+, and DoRA's magnitude (no weight decay). Names are the
     * PEFT keys without the {@code base_model.model.} prefix.
     */
    public List<TrainableParameter> trainableParameters() {
        List<TrainableParameter> params = new ArrayList<>();
        for (LoraLinear layer : layers.values()) {
            String p = layer.path();
            if (!config.freezeA()) {
                params.add(new TrainableParameter(p + AdapterPayload.A_SUFFIX, layer.loraA(), 1, true));
            }
            params.add(
                    new TrainableParameter(p + AdapterPayload.B_SUFFIX, layer.loraB(), config.loraPlusRatio(), true));
            layer.magnitude()
                    .ifPresent(
                            m -> params.add(new TrainableParameter(p + AdapterPayload.MAGNITUDE_SUFFIX, m, 1, false)));
        }
        return params;
    }

    /** Dropout on while training; off (the default) for evaluation and serving. */
    public void setTraining(boolean training) {
        layers.values().forEach(l -> l.setTraining(training));
    }

    /**
     * Folds each adapter into a merged weight so that forward costs one matmul. The frozen weights
     * are kept, so {@link #unmerge()} restores them bit for bit; the merged copy costs one weight's
     * memory per layer. Do not train while merged.
     */
    public void merge() {
        layers.values().forEach(LoraLinear::merge);
    }

    /** Undoes {@link #merge()}. */
    public void unmerge() {
        layers.values().forEach(LoraLinear::unmerge);
    }

    public boolean isMerged() {
        return layers.values().iterator().next().isMerged();
    }

    /**
     * PeriodicLoRA / Chain of LoRA: folds the trained adapters into the working base weights and
     * starts fresh ones (B = 0, so outputs do not change). The parameter arrays stay the same
     * objects; start a new optimiser (a new {@link AdapterTrainer#fit fit}) for the new stage.
     * {@link #save} still writes an adapter for the original base, of rank r × (stages + 1).
     *
     * @throws IllegalStateException with DoRA, whose merged weight is not base plus low rank
     */
    public void mergeAndReset() {
        if (config.useDora()) {
            throw new IllegalStateException("mergeAndReset is not supported with DoRA: its merged weight"
                    + " is not the original base plus a low-rank term, so the result could not be saved"
                    + " as a PEFT adapter for the original base");
        }
        stage++;
        layers.values().forEach(l -> l.mergeAndReset(seed, stage));
    }

    /**
     * Writes a PEFT adapter directory ({@code adapter_config.json} + {@code adapter_model.safetensors})
     * that applies to the ORIGINAL base. Where the working base differs from it (OLoRA, merged
     * stages), those low-rank terms are folded into the saved adapter by concatenation, so the
     * saved {@code r} is a multiple of the configured one and {@code lora_alpha} keeps the scaling
     * (as PEFT's {@code path_initial_model_for_weight_conversion} does).
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        int savedRank = config.r();
        for (LoraLinear layer : layers.values()) {
            FloatTensor[] ab = layer.plainAgainstOriginal();
            savedRank = Math.toIntExact(ab[0].shape()[0]);
            String key = AdapterPayload.PREFIX + layer.path();
            tensors.put(key + AdapterPayload.A_SUFFIX, ab[0]);
            tensors.put(key + AdapterPayload.B_SUFFIX, ab[1]);
            layer.magnitude().ifPresent(m -> tensors.put(key + AdapterPayload.MAGNITUDE_SUFFIX, FloatTensor.of(m)));
        }
        boolean folded = savedRank != config.r();
        double savedAlpha = config.useRslora() ? config.scaling() * Math.sqrt(savedRank) : config.scaling() * savedRank;
        if (!folded) {
            savedAlpha = config.alpha();
        }
        Object init = folded ? Boolean.TRUE : config.init().peftValue();
        Map<String, String> meta = new TreeMap<>();
        meta.put("format", "pt");
        meta.put(META_FREEZE_A, Boolean.toString(config.freezeA()));
        meta.put(META_LORA_PLUS, Double.toString(config.loraPlusRatio()));
        meta.put(META_STAGES, Integer.toString(stage));
        meta.put("engram.trained_init", config.init().name());
        SafetensorsFile.write(dir.resolve(AdapterPayload.WEIGHTS_FILE), tensors, meta);
        Path configFile = dir.resolve(AdapterPayload.CONFIG_FILE);
        Path tmp = dir.resolve(AdapterPayload.CONFIG_FILE + ".tmp");
        Files.write(tmp, PeftAdapterConfig.toJson(config, savedRank, savedAlpha, init));
        Files.move(tmp, configFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Releases every array this model created (not the frozen layers). */
    @Override
    public void close() {
        manager.close();
    }
}
