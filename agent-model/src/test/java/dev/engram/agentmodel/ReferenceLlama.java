package dev.engram.agentmodel;

import java.util.Map;

/**
 * Hugging Face's LlamaForCausalLM forward written out in plain Java loops (double precision), one
 * sequence at a time: the yardstick the NDArray model is compared with.
 */
final class ReferenceLlama {

    private final TinyLlama.Spec s;
    private final Map<String, TinyLlama.Tensor> w;
    private final double eps;

    ReferenceLlama(TinyLlama.Spec s, Map<String, TinyLlama.Tensor> w, double eps) {
        this.s = s;
        this.w = w;
        this.eps = eps;
    }

    /** Logits [t][vocab] of one sequence. */
    double[][] logits(long[] ids) {
        int t = ids.length;
        int hd = s.hidden();
        double[][] x = new double[t][hd];
        float[] embed = w.get("model.embed_tokens.weight").data();
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < hd; j++) {
                x[i][j] = embed[(int) ids[i] * hd + j];
            }
        }
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] h = norm(x, p + "input_layernorm.weight");
            double[][] q = rope(matmul(h, p + "self_attn.q_proj.weight"), s.heads());
            double[][] k = rope(matmul(h, p + "self_attn.k_proj.weight"), s.kvHeads());
            double[][] v = matmul(h, p + "self_attn.v_proj.weight");
            double[][] ctx = new double[t][s.heads() * s.headDim()];
            int rep = s.heads() / s.kvHeads();
            int d = s.headDim();
            for (int head = 0; head < s.heads(); head++) {
                int kvHead = head / rep;
                for (int i = 0; i < t; i++) {
                    double[] scores = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++) {
                            dot += q[i][head * d + c] * k[j][kvHead * d + c];
                        }
                        scores[j] = dot / Math.sqrt(d);
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int c = 0; c < d; c++) {
                            ctx[i][head * d + c] += scores[j] / sum * v[j][kvHead * d + c];
                        }
                    }
                }
            }
            add(x, matmul(ctx, p + "self_attn.o_proj.weight"));
            h = norm(x, p + "post_attention_layernorm.weight");
            double[][] gate = matmul(h, p + "mlp.gate_proj.weight");
            double[][] up = matmul(h, p + "mlp.up_proj.weight");
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < gate[i].length; j++) {
                    double g = gate[i][j];
                    gate[i][j] = g / (1 + Math.exp(-g)) * up[i][j];
                }
            }
            add(x, matmul(gate, p + "mlp.down_proj.weight"));
        }
        double[][] h = norm(x, "model.norm.weight");
        return matmul(h, s.tied() ? "model.embed_tokens.weight" : "lm_head.weight");
    }

    private double[][] norm(double[][] x, String weight) {
        float[] g = w.get(weight).data();
        double[][] out = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) {
                ms += v * v;
            }
            double r = 1 / Math.sqrt(ms / x[i].length + eps);
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = x[i][j] * r * g[j];
            }
        }
        return out;
    }

    /** x Wᵀ with W [out, in]. */
    private double[][] matmul(double[][] x, String weight) {
        TinyLlama.Tensor t = w.get(weight);
        int out = (int) t.shape()[0];
        int in = (int) t.shape()[1];
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double acc = 0;
                for (int c = 0; c < in; c++) {
                    acc += x[i][c] * t.data()[o * in + c];
                }
                y[i][o] = acc;
            }
        }
        return y;
    }

    /** Rotates each head's pairs (c, c + d/2) by position × θ^(−2c/d), as HF's rotate_half does. */
    private double[][] rope(double[][] x, int heads) {
        int d = s.headDim();
        int half = d / 2;
        double[][] out = new double[x.length][x[0].length];
        for (int pos = 0; pos < x.length; pos++) {
            for (int h = 0; h < heads; h++) {
                for (int c = 0; c < half; c++) {
                    double angle = pos * Math.pow(10000.0, -2.0 * c / d);
                    double a = x[pos][h * d + c];
                    double b = x[pos][h * d + c + half];
                    out[pos][h * d + c] = a * Math.cos(angle) - b * Math.sin(angle);
                    out[pos][h * d + c + half] = b * Math.cos(angle) + a * Math.sin(angle);
                }
            }
        }
        return out;
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] += y[i][j];
            }
        }
    }
}
