package dev.engram.adapters.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.engram.adapters.InvalidAdapterException;
import dev.engram.adapters.TrainableParameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A training run's state in one safetensors file: parameters, Adam moments, the step and the
 * seed (the engine is re-seeded from seed and step, so no RNG state needs saving).
 */
public final class TrainingCheckpoint {

    public static final String FILE = "trainer-checkpoint.safetensors";

    private TrainingCheckpoint() {}

    public static Path write(
            Path dir, long step, long seed, long totalSteps, List<TrainableParameter> params, AdamW adam)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, FloatTensor> tensors = new HashMap<>();
        for (int i = 0; i < params.size(); i++) {
            String name = params.get(i).name();
            tensors.put("param/" + name, FloatTensor.of(params.get(i).value()));
            tensors.put("adam_m/" + name, FloatTensor.of(adam.firstMoments()[i]));
            tensors.put("adam_v/" + name, FloatTensor.of(adam.secondMoments()[i]));
        }
        Path file = dir.resolve(FILE);
        SafetensorsFile.write(
                file,
                tensors,
                Map.of(
                        "step",
                        Long.toString(step),
                        "seed",
                        Long.toString(seed),
                        "total_steps",
                        Long.toString(totalSteps)));
        return file;
    }

    /**
     * Restores parameters and moments in place; returns the step to continue from, or 0 when
     * there is no checkpoint. Everything is checked before anything is written.
     */
    public static long restore(
            Path dir, long seed, long totalSteps, List<TrainableParameter> params, AdamW adam, NDManager scope)
            throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return 0;
        }
        SafetensorsFile.Contents c = SafetensorsFile.read(file);
        long step = parse(file, c.metadata(), "step");
        if (parse(file, c.metadata(), "seed") != seed || parse(file, c.metadata(), "total_steps") != totalSteps) {
            throw new InvalidAdapterException(
                    file,
                    "checkpoint was written with seed " + c.metadata().get("seed")
                            + " and total_steps " + c.metadata().get("total_steps") + "; this run has seed " + seed
                            + " and total_steps " + totalSteps + " (delete the checkpoint to start over)");
        }
        if (c.tensors().size() != 3 * params.size()) {
            throw new InvalidAdapterException(
                    file,
                    "checkpoint holds " + c.tensors().size() / 3 + " parameters, this run trains " + params.size());
        }
        String[] prefixes = {"param/", "adam_m/", "adam_v/"};
        for (TrainableParameter p : params) {
            for (String prefix : prefixes) {
                FloatTensor t = c.tensors().get(prefix + p.name());
                if (t == null || !Arrays.equals(t.shape(), p.value().getShape().getShape())) {
                    throw new InvalidAdapterException(
                            file,
                            "checkpoint has no " + prefix + p.name() + " of shape "
                                    + p.value().getShape() + " (found " + t + ")");
                }
            }
        }
        for (int i = 0; i < params.size(); i++) {
            String name = params.get(i).name();
            NDArray[] targets = {params.get(i).value(), adam.firstMoments()[i], adam.secondMoments()[i]};
            for (int k = 0; k < 3; k++) {
                ArrayOps.assign(targets[k], c.tensors().get(prefixes[k] + name).toNDArray(scope));
            }
        }
        return step;
    }

    private static long parse(Path file, Map<String, String> meta, String key) throws InvalidAdapterException {
        try {
            return Long.parseLong(meta.get(key));
        } catch (NumberFormatException e) {
            throw new InvalidAdapterException(file, "checkpoint metadata " + key + " is missing or not a number");
        }
    }
}
