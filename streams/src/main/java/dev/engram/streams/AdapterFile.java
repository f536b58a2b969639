package dev.engram.streams;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.engram.streams.internal.ChunkChecks;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One file of a PEFT-format adapter, byte for byte: {@value #PEFT_CONFIG} and
 * {@value #PEFT_WEIGHTS}. The record copies the bytes on the way in and out and compares by content.
 *
 * <pre>{@code
 * AdapterFile config = new AdapterFile(AdapterFile.PEFT_CONFIG, Files.readAllBytes(dir.resolve("adapter_config.json")));
 * }</pre>
 *
 * @param name a plain file name, {@link #NAME_REGEX}
 * @param bytes the content, possibly empty, never null
 */
public record AdapterFile(String name, byte[] bytes) {

    /** PEFT's adapter configuration file. */
    public static final String PEFT_CONFIG = "adapter_config.json";

    /** PEFT's adapter weights file. */
    public static final String PEFT_WEIGHTS = "adapter_model.safetensors";

    /**
     * The ranker policy published with the adapter (JSON, as {@code RankerPolicy.toJson} writes it):
     * a version's adapter and ranker parameters are one payload, hashed, gated and swapped together.
     * Optional; without it a version ranks with untuned reciprocal rank fusion.
     */
    public static final String RANKER_POLICY = "engram_ranker_policy.json";

    /** What a file name looks like: 1-128 of {@code [A-Za-z0-9._-]}, not starting with a dot. */
    public static final String NAME_REGEX = "[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}";

    private static final Pattern NAME = Pattern.compile(NAME_REGEX);

    public AdapterFile {
        ChunkChecks.requireMatch(
                "name", name, NAME, "a plain file name of 1-128 [A-Za-z0-9._-], e.g. '" + PEFT_WEIGHTS + "'");
        if (bytes == null) {
            throw new InvalidEventException(
                    "bytes", "is required (use an empty array for an empty file) in file " + name);
        }
        bytes = bytes.clone();
    }

    /** A copy of the content. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The content's length in bytes. */
    @JsonIgnore
    public int size() {
        return bytes.length;
    }

    /** Streams the content without copying it. */
    void writeTo(java.io.ByteArrayOutputStream out) {
        out.write(bytes, 0, bytes.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdapterFile f && name.equals(f.name) && Arrays.equals(bytes, f.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        int shown = Math.min(bytes.length, 8);
        return "AdapterFile[" + name + ", " + bytes.length + " bytes"
                + (shown == 0 ? "" : ", starts " + HexFormat.of().formatHex(bytes, 0, shown)) + "]";
    }
}
