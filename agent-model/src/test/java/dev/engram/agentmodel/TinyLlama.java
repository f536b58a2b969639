package dev.engram.agentmodel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A tiny Llama-family model folder written by the test, as a user's Hugging Face folder looks:
 * {@code config.json}, {@code model.safetensors} with Hugging Face's tensor names and random
 * weights, and a word-level {@code tokenizer.json} whose post-processor adds {@code <s>}.
 *
 * <p>Weights are multiples of 1/64 in [-2, 2], so F32, F16 and BF16 files hold the same values.
 */
final class TinyLlama {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SPECIALS = List.of("<pad>", "<s>", "</s>", "<unk>");

    /** The shape of a tiny model. */
    record Spec(
            int vocab,
            int hidden,
            int inter,
            int layers,
            int heads,
            int kvHeads,
            int headDim,
            boolean tied,
            long seed) {

        static Spec gqa() {
            return new Spec(64, 32, 48, 2, 4, 2, 8, false, 7);
        }

        Spec withKvHeads(int kv) {
            return new Spec(vocab, hidden, inter, layers, heads, kv, headDim, tied, seed);
        }

        Spec tied(boolean t) {
            return new Spec(vocab, hidden, inter, layers, heads, kvHeads, headDim, t, seed);
        }

        Spec vocab(int v) {
            return new Spec(v, hidden, inter, layers, heads, kvHeads, headDim, tied, seed);
        }
    }

    /** A tensor as the test writes it. */
    record Tensor(long[] shape, float[] data) {}

    private TinyLlama() {}

    /** Random weights with Hugging Face Llama names. */
    static Map<String, Tensor> weights(Spec s) {
        SplittableRandom rnd = new SplittableRandom(s.seed());
        Map<String, Tensor> w = new TreeMap<>();
        int q = s.heads() * s.headDim();
        int kv = s.kvHeads() * s.headDim();
        w.put("model.embed_tokens.weight", random(rnd, 0.5, s.vocab(), s.hidden()));
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", norm(rnd, s.hidden()));
            w.put(p + "post_attention_layernorm.weight", norm(rnd, s.hidden()));
            w.put(p + "self_attn.q_proj.weight", random(rnd, 0.3, q, s.hidden()));
            w.put(p + "self_attn.k_proj.weight", random(rnd, 0.3, kv, s.hidden()));
            w.put(p + "self_attn.v_proj.weight", random(rnd, 0.3, kv, s.hidden()));
            w.put(p + "self_attn.o_proj.weight", random(rnd, 0.2, s.hidden(), q));
            w.put(p + "mlp.gate_proj.weight", random(rnd, 0.2, s.inter(), s.hidden()));
            w.put(p + "mlp.up_proj.weight", random(rnd, 0.2, s.inter(), s.hidden()));
            w.put(p + "mlp.down_proj.weight", random(rnd, 0.2, s.hidden(), s.inter()));
        }
        w.put("model.norm.weight", norm(rnd, s.hidden()));
        if (!s.tied()) {
            w.put("lm_head.weight", random(rnd, 0.3, s.vocab(), s.hidden()));
        }
        return w;
    }

    private static Tensor random(SplittableRandom rnd, double std, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = grid(gaussian(rnd) * std);
        }
        return new Tensor(new long[] {rows, cols}, d);
    }

    private static Tensor norm(SplittableRandom rnd, int n) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = grid(1 + gaussian(rnd) * 0.1);
        }
        return new Tensor(new long[] {n}, d);
    }

    /** Rounds to a multiple of 1/64 in [-2, 2]: exactly representable in F16 and BF16. */
    static float grid(double v) {
        return (float) (Math.max(-128, Math.min(128, Math.rint(v * 64))) / 64);
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = Math.max(1e-12, rnd.nextDouble());
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    /** Writes the whole folder with F32 weights and a tokenizer over {@code words}. */
    static Path write(Path dir, Spec s, List<String> words) throws IOException {
        return write(dir, s, weights(s), words, "F32");
    }

    static Path write(Path dir, Spec s, Map<String, Tensor> weights, List<String> words, String dtype)
            throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("config.json"), JSON.writeValueAsBytes(config(s)));
        writeSafetensors(dir.resolve("model.safetensors"), weights, dtype);
        writeTokenizer(dir.resolve("tokenizer.json"), words);
        return dir;
    }

    static ObjectNode config(Spec s) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("vocab_size", s.vocab());
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.inter());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.headDim());
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.putNull("rope_scaling");
        c.put("max_position_embeddings", 256);
        c.put("tie_word_embeddings", s.tied());
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("torch_dtype", "float32");
        return c;
    }

    static void writeSafetensors(Path file, Map<String, Tensor> tensors, String dtype) throws IOException {
        int width = dtype.equals("F32") ? 4 : 2;
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            ArrayNode shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long end = offset + (long) width * e.getValue().data().length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer buf =
                ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            buf.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            for (float v : t.data()) {
                switch (dtype) {
                    case "F32" -> buf.putFloat(v);
                    case "BF16" -> buf.putShort((short) (Float.floatToIntBits(v) >>> 16));
                    default -> buf.putShort(toHalf(v));
                }
            }
        }
        Files.write(file, buf.array());
    }

    /** binary16 of a value that it holds exactly (the weights' grid). */
    static short toHalf(float v) {
        if (v == 0) {
            return 0;
        }
        int bits = Float.floatToIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
        int mant = (bits >>> 13) & 0x3FF;
        return (short) (sign | (exp << 10) | mant);
    }

    /** A word-level tokenizer.json: lower-cased, split on whitespace and punctuation, {@code <s>} first. */
    static void writeTokenizer(Path file, List<String> words) throws IOException {
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.size(); i++) {
            ObjectNode a = added.addObject();
            a.put("id", i);
            a.put("content", SPECIALS.get(i));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        t.putObject("normalizer").put("type", "Lowercase");
        t.putObject("pre_tokenizer").put("type", "Whitespace");
        ObjectNode post = t.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
        bos.put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");
        t.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = t.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        Map<String, Integer> ids = vocabulary(words);
        ids.forEach(vocab::put);
        model.put("unk_token", "<unk>");
        Files.write(file, JSON.writeValueAsString(t).getBytes(StandardCharsets.UTF_8));
    }

    /** Specials first, then each distinct lower-cased word in order. */
    static Map<String, Integer> vocabulary(List<String> words) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (String s : SPECIALS) {
            ids.put(s, ids.size());
        }
        for (String w : words) {
            ids.putIfAbsent(w.toLowerCase(), ids.size());
        }
        return ids;
    }

    /** Words of the texts, split as the tokenizer's Whitespace pre-tokenizer does. */
    static List<String> wordsOf(List<String> texts) {
        List<String> out = new ArrayList<>();
        for (String text : texts) {
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("\\w+|[^\\w\\s]+").matcher(text);
            while (m.find()) {
                out.add(m.group());
            }
        }
        return out;
    }
}
