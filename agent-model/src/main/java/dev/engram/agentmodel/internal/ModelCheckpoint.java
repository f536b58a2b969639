package dev.engram.agentmodel.internal;

import dev.engram.agentmodel.InvalidModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face model folder: every {@code *.safetensors} file in it (one file or
 * the shards of a sharded checkpoint), indexed by tensor name. A tensor is read, and its shape
 * checked, when it is asked for.
 */
public final class ModelCheckpoint {

    private final Path folder;
    private final Map<String, SafetensorsReader> byTensor;

    private ModelCheckpoint(Path folder, Map<String, SafetensorsReader> byTensor) {
        this.folder = folder;
        this.byTensor = byTensor;
    }

    /** Indexes the folder's safetensors files (headers only). */
    public static ModelCheckpoint open(Path folder) throws InvalidModelException {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .filter(p -> !p.getFileName().toString().startsWith("adapter_"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new InvalidModelException(folder, null, "cannot list the model folder: " + e, e);
        }
        if (files.isEmpty()) {
            throw new InvalidModelException(
                    folder.resolve("model.safetensors"),
                    null,
                    "missing: no *.safetensors file in the model folder (PyTorch .bin checkpoints are not read;"
                            + " convert them with safetensors' convert script)");
        }
        Map<String, SafetensorsReader> byTensor = new TreeMap<>();
        for (Path f : files) {
            SafetensorsReader reader = SafetensorsReader.open(f);
            for (String name : reader.entries().keySet()) {
                SafetensorsReader earlier = byTensor.putIfAbsent(name, reader);
                if (earlier != null) {
                    throw new InvalidModelException(
                            f, name, "also in " + earlier.file().getFileName());
                }
            }
        }
        return new ModelCheckpoint(folder, byTensor);
    }

    public boolean has(String name) {
        return byTensor.containsKey(name);
    }

    /**
     * Reads a tensor that must have {@code shape}.
     *
     * @param why what in config.json decides the shape, for the error message
     */
    public HostTensor require(String name, String why, long... shape) throws InvalidModelException {
        SafetensorsReader reader = byTensor.get(name);
        if (reader == null) {
            throw new InvalidModelException(
                    folder.resolve("model.safetensors"),
                    name,
                    "missing tensor: none of the folder's safetensors files holds it (Hugging Face Llama names are"
                            + " expected, e.g. model.layers.0.self_attn.q_proj.weight)");
        }
        long[] actual = reader.entries().get(name).shape();
        if (!Arrays.equals(actual, shape)) {
            throw new InvalidModelException(
                    reader.file(),
                    name,
                    "shape " + Arrays.toString(actual) + " does not match config.json: " + why + " gives "
                            + Arrays.toString(shape));
        }
        return reader.read(name);
    }
}
