package dev.engram.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Hugging Face Llama folder with random weights, for the agent-model benchmarks (nothing is
 * downloaded): {@code config.json} and {@code model.safetensors} with Hugging Face's tensor names,
 * weights uniform in ±{@code scale}, norms 1 + small noise.
 *
 * @param vocab vocab_size
 * @param hidden hidden_size
 * @param inter intermediate_size
 * @param layers num_hidden_layers
 * @param heads num_attention_heads
 * @param kvHeads num_key_value_heads
 * @param headDim head_dim
 * @param tied tie_word_embeddings
 * @param ropeTheta rope_theta
 */
record LlamaFolder(
        int vocab,
        int hidden,
        int inter,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        boolean tied,
        double ropeTheta) {

    /** SmolLM2-135M's shape. */
    static LlamaFolder smolLm2() {
        return new LlamaFolder(49152, 576, 1536, 30, 9, 3, 64, true, 100000);
    }

    /** Writes the folder; {@code dtype} F32 or BF16. */
    void write(Path folder, String dtype, double scale, long seed) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.put("model_type", "llama");
        c.put("vocab_size", vocab);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", inter);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", ropeTheta);
        c.put("max_position_embeddings", 8192);
        c.put("tie_word_embeddings", tied);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        Files.createDirectories(folder);
        Files.write(folder.resolve("config.json"), json.writeValueAsBytes(c));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {vocab, hidden});
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {hidden});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {hidden});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {(long) heads * headDim, hidden});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {(long) kvHeads * headDim, hidden});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {(long) kvHeads * headDim, hidden});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {hidden, (long) heads * headDim});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {inter, hidden});
            shapes.put(p + "mlp.up_proj.weight", new long[] {inter, hidden});
            shapes.put(p + "mlp.down_proj.weight", new long[] {hidden, inter});
        }
        shapes.put("model.norm.weight", new long[] {hidden});
        if (!tied) {
            shapes.put("lm_head.weight", new long[] {vocab, hidden});
        }
        int width = dtype.equals("F32") ? 4 : 2;
        ObjectNode header = json.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            ArrayNode shape = t.putArray("shape");
            long n = 1;
            for (long d : e.getValue()) {
                shape.add(d);
                n *= d;
            }
            t.putArray("data_offsets").add(offset).add(offset + width * n);
            offset += width * n;
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        SplittableRandom rnd = new SplittableRandom(seed);
        try (OutputStream out = Files.newOutputStream(folder.resolve("model.safetensors"))) {
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(padded)
                    .array());
            out.write(h);
            out.write(" ".repeat(padded - h.length).getBytes(StandardCharsets.US_ASCII));
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                boolean norm = e.getValue().length == 1;
                long n = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
                ByteBuffer buf = ByteBuffer.allocate((int) (width * n)).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < n; i++) {
                    double r = rnd.nextDouble() - 0.5;
                    float v = (float) (norm ? 1 + r * 0.2 : r * 2 * scale);
                    if (width == 4) {
                        buf.putFloat(v);
                    } else {
                        buf.putShort((short) (Float.floatToIntBits(v) >>> 16));
                    }
                }
                out.write(buf.array());
            }
        }
    }

    /** Removes a folder this wrote (its files, then itself). */
    static void delete(Path folder) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(folder);
    }
}
