package dev.engram.agentmodel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The architecture of a Llama-family decoder, as a Hugging Face {@code config.json} describes it.
 *
 * <pre>{@code
 * LlamaConfig c = LlamaConfig.read(folder.resolve("config.json"));
 * c.numHeads() / c.numKvHeads();   // queries per key/value head (grouped-query attention)
 * }</pre>
 *
 * @param modelType {@code model_type}; {@code llama} (Llama 2/3, TinyLlama, SmolLM2, ...)
 * @param vocabSize {@code vocab_size}
 * @param hiddenSize {@code hidden_size}
 * @param intermediateSize {@code intermediate_size}, the SwiGLU inner width
 * @param numLayers {@code num_hidden_layers}
 * @param numHeads {@code num_attention_heads}
 * @param numKvHeads {@code num_key_value_heads} (defaults to {@code numHeads}); divides
 *     {@code numHeads}
 * @param headDim {@code head_dim} (defaults to {@code hiddenSize / numHeads}); even
 * @param rmsNormEps {@code rms_norm_eps} (default 1e-6)
 * @param ropeTheta {@code rope_theta} (default 10000)
 * @param ropeScaling Llama 3's {@code rope_scaling}, or null for none
 * @param maxPositions {@code max_position_embeddings} (default 2048)
 * @param tieWordEmbeddings {@code tie_word_embeddings}: the output projection is the token
 *     embedding (default false, as in Hugging Face's {@code LlamaConfig})
 * @param attentionBias {@code attention_bias}: q/k/v/o projections carry a bias
 * @param mlpBias {@code mlp_bias}: gate/up/down projections carry a bias
 * @param bosTokenId {@code bos_token_id}, or -1
 * @param eosTokenIds {@code eos_token_id} (a number or a list); may be empty
 */
public record LlamaConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositions,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        long bosTokenId,
        List<Long> eosTokenIds) {

    /** The {@code model_type} values this decoder implements. */
    public static final Set<String> SUPPORTED_TYPES = Set.of("llama");

    private static final ObjectMapper JSON = new ObjectMapper();

    public LlamaConfig {
        if (!SUPPORTED_TYPES.contains(modelType)) {
            throw new IllegalArgumentException(
                    "model_type '" + modelType + "' is not supported (supported: " + SUPPORTED_TYPES + ")");
        }
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("num_key_value_heads", numKvHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositions);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, was " + headDim);
        }
        if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
            throw new IllegalArgumentException("rms_norm_eps must be positive, was " + rmsNormEps);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be positive, was " + ropeTheta);
        }
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be a positive integer, was " + value);
        }
    }

    /** Queries per key/value head: 1 is multi-head attention, more is grouped-query attention. */
    public int queriesPerKvHead() {
        return numHeads / numKvHeads;
    }

    /**
     * Reads a Hugging Face {@code config.json}.
     *
     * @throws InvalidModelException naming the file and the field when it is missing, of the wrong
     *     type, or describes something this decoder does not implement
     */
    public static LlamaConfig read(Path file) throws InvalidModelException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException(
                    file, null, "missing: a model folder holds config.json, *.safetensors and tokenizer.json");
        }
        JsonNode n;
        try {
            n = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new InvalidModelException(file, null, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidModelException(file, null, "cannot read: " + e, e);
        }
        if (n == null || !n.isObject()) {
            throw new InvalidModelException(file, null, "not a JSON object");
        }
        String type = n.path("model_type").asText("");
        if (!SUPPORTED_TYPES.contains(type)) {
            throw new InvalidModelException(
                    file,
                    "model_type",
                    "'" + type + "' is not supported; this decoder implements " + SUPPORTED_TYPES
                            + " (Llama 2/3, TinyLlama, SmolLM2 and other LlamaForCausalLM checkpoints)");
        }
        String act = n.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new InvalidModelException(file, "hidden_act", "'" + act + "' is not supported (only silu)");
        }
        int hidden = requiredInt(file, n, "hidden_size");
        int heads = requiredInt(file, n, "num_attention_heads");
        try {
            return new LlamaConfig(
                    type,
                    requiredInt(file, n, "vocab_size"),
                    hidden,
                    requiredInt(file, n, "intermediate_size"),
                    requiredInt(file, n, "num_hidden_layers"),
                    heads,
                    optionalInt(file, n, "num_key_value_heads", heads),
                    optionalInt(file, n, "head_dim", heads > 0 ? hidden / heads : 0),
                    optionalDouble(file, n, "rms_norm_eps", 1e-6),
                    optionalDouble(file, n, "rope_theta", 10000),
                    ropeScaling(file, n.get("rope_scaling")),
                    optionalInt(file, n, "max_position_embeddings", 2048),
                    optionalBoolean(file, n, "tie_word_embeddings", false),
                    optionalBoolean(file, n, "attention_bias", false),
                    optionalBoolean(file, n, "mlp_bias", false),
                    n.path("bos_token_id").canConvertToLong()
                            ? n.path("bos_token_id").asLong()
                            : -1,
                    eosIds(file, n.get("eos_token_id")));
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            String field = message.contains(" ") ? message.substring(0, message.indexOf(' ')) : null;
            throw new InvalidModelException(file, field, message, e);
        }
    }

    private static int requiredInt(Path file, JsonNode n, String field) throws InvalidModelException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidModelException(file, field, "is required (a positive integer)");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new InvalidModelException(file, field, "must be an integer, was " + v);
        }
        return v.asInt();
    }

    private static int optionalInt(Path file, JsonNode n, String field, int fallback) throws InvalidModelException {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? fallback : requiredInt(file, n, field);
    }

    private static double optionalDouble(Path file, JsonNode n, String field, double fallback)
            throws InvalidModelException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new InvalidModelException(file, field, "must be a number, was " + v);
        }
        return v.asDouble();
    }

    private static boolean optionalBoolean(Path file, JsonNode n, String field, boolean fallback)
            throws InvalidModelException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new InvalidModelException(file, field, "must be true or false, was " + v);
        }
        return v.asBoolean();
    }

    private static RopeScaling ropeScaling(Path file, JsonNode v) throws InvalidModelException {
        if (v == null || v.isNull()) {
            return null;
        }
        String type = v.path("rope_type").asText(v.path("type").asText(""));
        if (!type.equals("llama3")) {
            throw new InvalidModelException(
                    file, "rope_scaling", "rope_type '" + type + "' is not supported (only null or llama3)");
        }
        try {
            return new RopeScaling(
                    v.path("factor").asDouble(),
                    v.path("low_freq_factor").asDouble(),
                    v.path("high_freq_factor").asDouble(),
                    v.path("original_max_position_embeddings").asInt());
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(file, "rope_scaling", e.getMessage(), e);
        }
    }

    private static List<Long> eosIds(Path file, JsonNode v) throws InvalidModelException {
        List<Long> ids = new ArrayList<>();
        if (v == null || v.isNull()) {
            return ids;
        }
        if (v.canConvertToLong()) {
            ids.add(v.asLong());
            return ids;
        }
        if (v.isArray()) {
            for (JsonNode id : v) {
                if (!id.canConvertToLong()) {
                    throw new InvalidModelException(file, "eos_token_id", "must hold integers, was " + v);
                }
                ids.add(id.asLong());
            }
            return ids;
        }
        throw new InvalidModelException(file, "eos_token_id", "must be an integer or a list of them, was " + v);
    }
}
