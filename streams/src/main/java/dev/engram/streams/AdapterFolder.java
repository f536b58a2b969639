package dev.engram.streams;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Writes a published adapter's files as a folder: a PEFT adapter ({@code adapter_config.json},
 * {@code adapter_model.safetensors}) that vLLM, LoRAX and PEFT load unchanged, byte for byte as the
 * worker published them (the files' SHA-256 was checked when the record was read).
 *
 * <pre>{@code
 * Path dir = AdapterFolder.write(adapter, Path.of("adapters/acme-agent-model/v3"));
 * // vllm serve MODEL --enable-lora --lora-modules acme=adapters/acme-agent-model/v3
 * }</pre>
 */
public final class AdapterFolder {

    private AdapterFolder() {}

    /**
     * Writes {@code adapter}'s files into {@code dir}, whole or not at all: they are written beside
     * it first and moved into place, so a reader never sees half a folder.
     *
     * @return {@code dir}
     * @throws IOException when {@code dir} exists and is not an empty directory, or writing fails
     */
    public static Path write(AdapterPublished adapter, Path dir) throws IOException {
        Objects.requireNonNull(adapter, "adapter");
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target) && !isEmptyDirectory(target)) {
            throw new FileAlreadyExistsException(
                    target.toString(), null, "not empty: " + adapter.key() + " is written only into a new folder");
        }
        Files.createDirectories(target.getParent());
        Path staged = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + "-");
        try {
            for (AdapterFile f : adapter.files()) {
                Files.write(staged.resolve(f.name()), f.bytes());
            }
            Files.deleteIfExists(target);
            try {
                Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(staged, target);
            }
            return target;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(staged);
            if (e instanceof DirectoryNotEmptyException) {
                throw new FileAlreadyExistsException(target.toString(), null, "written by someone else meanwhile");
            }
            throw e;
        }
    }

    /**
     * Whether {@code dir} holds exactly {@code adapter}'s files, byte for byte (and nothing else): a
     * folder written earlier for the same version.
     */
    public static boolean holds(AdapterPublished adapter, Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.count() != adapter.files().size()) {
                return false;
            }
        }
        for (AdapterFile f : adapter.files()) {
            Path file = dir.resolve(f.name());
            if (!Files.isRegularFile(file) || !java.util.Arrays.equals(Files.readAllBytes(file), f.bytes())) {
                return false;
            }
        }
        return true;
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover hidden staging folder is harmless
        }
    }
}
