package dev.engram.adapters.internal;

import dev.engram.adapters.FrozenLinear;
import dev.engram.adapters.InvalidAdapterException;
import dev.engram.adapters.LoraConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A PEFT adapter directory read and checked in full against a base model, before anything is
 * applied: config, every tensor's presence, shape and finiteness, every module path.
 *
 * @param config the adapter's settings as saved
 * @param modules the tensors per module path
 * @param metadata the safetensors {@code __metadata__}
 */
public record AdapterPayload(LoraConfig config, Map<String, ModuleTensors> modules, Map<String, String> metadata) {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    public static final String PREFIX = "base_model.model.";
    public static final String A_SUFFIX = ".lora_A.weight";
    public static final String B_SUFFIX = ".lora_B.weight";
    public static final String MAGNITUDE_SUFFIX = ".lora_magnitude_vector";

    /** One module's tensors; {@code magnitude} is null without DoRA. */
    public record ModuleTensors(FloatTensor a, FloatTensor b, FloatTensor magnitude) {}

    public static AdapterPayload read(Path dir, Map<String, FrozenLinear> base) throws InvalidAdapterException {
        Path configFile = dir.resolve(CONFIG_FILE);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        for (Path f : new Path[] {configFile, weightsFile}) {
            if (!Files.isRegularFile(f)) {
                throw new InvalidAdapterException(
                        f, "missing: an adapter directory holds " + CONFIG_FILE + " and " + WEIGHTS_FILE);
            }
        }
        LoraConfig config = PeftAdapterConfig.read(configFile);
        SafetensorsFile.Contents contents = SafetensorsFile.read(weightsFile);
        Map<String, FloatTensor[]> byModule = new TreeMap<>();
        for (Map.Entry<String, FloatTensor> e : contents.tensors().entrySet()) {
            String key = e.getKey();
            int slot;
            String suffix;
            if (key.endsWith(A_SUFFIX)) {
                slot = 0;
                suffix = A_SUFFIX;
            } else if (key.endsWith(B_SUFFIX)) {
                slot = 1;
                suffix = B_SUFFIX;
            } else if (key.endsWith(MAGNITUDE_SUFFIX)) {
                slot = 2;
                suffix = MAGNITUDE_SUFFIX;
            } else {
                throw new InvalidAdapterException(
                        weightsFile,
                        "unexpected tensor " + key + " (expected " + PREFIX + "<module>" + A_SUFFIX + ", " + B_SUFFIX
                                + " or " + MAGNITUDE_SUFFIX + ")");
            }
            if (!key.startsWith(PREFIX)) {
                throw new InvalidAdapterException(weightsFile, "tensor " + key + " does not start with " + PREFIX);
            }
            String path = key.substring(PREFIX.length(), key.length() - suffix.length());
            if (!base.containsKey(path)) {
                throw new InvalidAdapterException(
                        weightsFile,
                        "unknown target module " + path + " (tensor " + key
                                + "): the base model has no linear layer at that path");
            }
            if (slot == 2 && !config.useDora()) {
                throw new InvalidAdapterException(
                        weightsFile,
                        "tensor " + key + " is a DoRA magnitude but " + CONFIG_FILE + " has use_dora=false");
            }
            int bad = e.getValue().firstNonFinite();
            if (bad >= 0) {
                throw new InvalidAdapterException(
                        weightsFile,
                        "tensor " + key + " holds a non-finite value ("
                                + e.getValue().data()[bad] + " at flat index " + bad + ")");
            }
            byModule.computeIfAbsent(path, p -> new FloatTensor[3])[slot] = e.getValue();
        }
        for (String path : base.keySet()) {
            if (config.targets(path) && !byModule.containsKey(path)) {
                throw new InvalidAdapterException(
                        weightsFile,
                        "missing tensors for target module " + path + " (target_modules " + targetsOf(config)
                                + " select it)");
            }
        }
        if (byModule.isEmpty()) {
            throw new InvalidAdapterException(weightsFile, "holds no LoRA tensors");
        }
        Map<String, ModuleTensors> modules = new TreeMap<>();
        for (Map.Entry<String, FloatTensor[]> e : byModule.entrySet()) {
            String path = e.getKey();
            FloatTensor[] t = e.getValue();
            FrozenLinear layer = base.get(path);
            long in = layer.inFeatures();
            long out = layer.outFeatures();
            String key = PREFIX + path;
            check(weightsFile, key + A_SUFFIX, t[0], new long[] {config.r(), in}, "[r, in]");
            check(weightsFile, key + B_SUFFIX, t[1], new long[] {out, config.r()}, "[out, r]");
            if (config.useDora()) {
                check(weightsFile, key + MAGNITUDE_SUFFIX, t[2], new long[] {out}, "[out]");
            }
            modules.put(path, new ModuleTensors(t[0], t[1], t[2]));
        }
        return new AdapterPayload(config, modules, contents.metadata());
    }

    private static Object targetsOf(LoraConfig c) {
        return c.targetModulesRegex() != null ? c.targetModulesRegex() : c.targetModules();
    }

    private static void check(Path file, String key, FloatTensor t, long[] expected, String layout)
            throws InvalidAdapterException {
        if (t == null) {
            throw new InvalidAdapterException(file, "missing tensor " + key);
        }
        if (!Arrays.equals(t.shape(), expected)) {
            throw new InvalidAdapterException(
                    file,
                    "tensor " + key + " has shape " + Arrays.toString(t.shape())
                            + ", the base model needs " + layout + " = " + Arrays.toString(expected)
                            + " (wrong base model or wrong r?)");
        }
    }
}
