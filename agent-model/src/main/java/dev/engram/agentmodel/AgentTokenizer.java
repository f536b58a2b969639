package dev.engram.agentmodel;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The model folder's {@code tokenizer.json} through DJL's Hugging Face tokenizers (the Rust
 * library, bundled in the jar; nothing is downloaded). Padding and truncation that the file may
 * switch on are switched off: batches are padded by {@link TokenBatch}, and examples are cut by
 * {@link EpisodeExamples}.
 *
 * <pre>{@code
 * try (AgentTokenizer tokenizer = AgentTokenizer.load(folder)) {
 *     long[] prompt = tokenizer.encode("Task: rotate the logs\nPlan:", true);   // BOS if the model adds one
 *     long[] plan = tokenizer.encode(" gzip old files", false);
 * }
 * }</pre>
 */
public final class AgentTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;

    private AgentTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    /**
     * Reads {@code folder/tokenizer.json}.
     *
     * @throws InvalidModelException naming the file when it is missing or not a tokenizer
     */
    public static AgentTokenizer load(Path folder) throws InvalidModelException {
        Path file = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException(
                    file,
                    null,
                    "missing: a model folder holds tokenizer.json (the fast tokenizer Hugging Face's"
                            + " tokenizers library writes); tokenizer.model alone is not read");
        }
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(
                    file, Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true"));
            return new AgentTokenizer(t, file);
        } catch (IOException | RuntimeException e) {
            throw new InvalidModelException(file, null, "not a Hugging Face tokenizer: " + e.getMessage(), e);
        }
    }

    /**
     * The ids of {@code text}.
     *
     * @param addSpecialTokens whether the tokenizer's post-processor adds its special tokens (BOS
     *     for Llama); use it for the start of a sequence only
     */
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    /** The text of {@code ids}, special tokens skipped. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    /** The tokenizer.json this was read from. */
    public Path file() {
        return file;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
