package dev.engram.node.registry;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.adapters.FrozenLinear;
import dev.engram.adapters.Linear;
import dev.engram.retriever.BertEncoder;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An adapter that passes every check before serving (it loads, and the canary's probes embed
 * finite, distinct and close to the base) yet breaks at recall time on one text: a real way for a
 * serving version to fail, to show recall falling back.
 *
 * <p>How: layer 0's query projection gets a rank-1 LoRA update {@code 2 · B (u · h)} where
 * {@code u} is orthogonal to the layer-0 inputs {@code h} of every token of the canary's probes and
 * of the given healthy texts, and {@code u · h = 1} for a token of the target text; B puts 3e38 on
 * the 32 dimensions of head 0. The target's query overflows to infinity and its attention to NaN;
 * every other token's update is about 1e-6 of that (finite), which only sharpens one head's
 * attention. Every other LoRA tensor is zeroed.
 */
final class RecallBreakingAdapter {

    private static final String QUERY0 = "encoder.layer.0.attention.self.query";

    private RecallBreakingAdapter() {}

    /** {@code files} (a MiniLM r 8 query/value adapter) rewritten to break on {@code target} only. */
    static List<AdapterFile> breakingOn(
            TextEncoder encoder, List<AdapterFile> files, List<String> healthy, String target) throws IOException {
        List<String> kept = new ArrayList<>(AdapterCanary.PROBES);
        kept.addAll(healthy);
        List<double[]> span = new ArrayList<>();
        for (String text : kept) {
            span.addAll(layer0Inputs(encoder, text));
        }
        List<double[]> basis = orthonormal(span);
        double[] u = null;
        double best = 0;
        for (double[] h : layer0Inputs(encoder, target)) {
            double[] r = residual(h, basis);
            double rh = dot(r, h);
            if (rh > best) {
                best = rh;
                u = r;
            }
        }
        if (u == null || best < 1e-3) {
            throw new IllegalStateException("the target's tokens are all in the span of the kept texts' tokens");
        }
        double[] a = new double[u.length];
        for (int i = 0; i < u.length; i++) {
            a[i] = u[i] / best; // u · h_target = 1
        }
        return TestAdapters.rewrite(files, (header, data, dataStart) -> {
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            Iterator<String> names = header.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                JsonNode t = header.get(n);
                if (!(n.contains("lora_A") || n.contains("lora_B"))) {
                    continue;
                }
                long from = t.get("data_offsets").get(0).asLong();
                long to = t.get("data_offsets").get(1).asLong();
                for (long at = from; at < to; at += 4) {
                    b.putFloat(dataStart + (int) at, 0f);
                }
                if (!n.contains(QUERY0 + ".")) {
                    continue;
                }
                int r = n.contains("lora_A")
                        ? t.get("shape").get(0).asInt()
                        : t.get("shape").get(1).asInt();
                if (n.contains("lora_A")) { // [r, 384]: row 0 is u
                    for (int j = 0; j < a.length; j++) {
                        b.putFloat(dataStart + (int) from + 4 * j, (float) a[j]);
                    }
                } else { // [384, r]: column 0 is 3e38 on head 0's dimensions
                    for (int d = 0; d < 32; d++) {
                        b.putFloat(dataStart + (int) from + 4 * (d * r), 3e38f);
                    }
                }
            }
        });
    }

    /** The inputs of layer 0's query projection for each token of {@code text}, as a query embeds it. */
    private static List<double[]> layer0Inputs(TextEncoder encoder, String text) {
        return inputs(encoder, QUERY0, text);
    }

    /** The inputs of the projection {@code module} for each token of {@code text}, as a query embeds it. */
    static List<double[]> inputs(TextEncoder encoder, String module, String text) {
        BertEncoder base = encoder.baseEncoder();
        FrozenLinear query = base.baseLinears().get(module);
        List<double[]> tokens = new ArrayList<>();
        Linear recorder = new Linear() {
            @Override
            public NDArray forward(NDArray x) {
                float[] values = x.toFloatArray();
                int width = (int) query.inFeatures();
                for (int at = 0; at < values.length; at += width) {
                    double[] h = new double[width];
                    for (int j = 0; j < width; j++) {
                        h[j] = values[at + j];
                    }
                    tokens.add(h);
                }
                return query.forward(x);
            }

            @Override
            public long inFeatures() {
                return query.inFeatures();
            }

            @Override
            public long outFeatures() {
                return query.outFeatures();
            }
        };
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                BertEncoder recording = base.withLinears(Map.of(module, recorder))) {
            recording.embed(m, encoder.tokenizeQueries(List.of(text)), false);
        }
        return tokens;
    }

    private static List<double[]> orthonormal(List<double[]> vectors) {
        List<double[]> basis = new ArrayList<>();
        for (double[] v : vectors) {
            double[] r = residual(v, basis);
            r = residual(r, basis); // twice, for numerical orthogonality
            double norm = Math.sqrt(dot(r, r));
            if (norm > 1e-6 * Math.sqrt(dot(v, v))) {
                for (int i = 0; i < r.length; i++) {
                    r[i] /= norm;
                }
                basis.add(r);
            }
        }
        return basis;
    }

    private static double[] residual(double[] v, List<double[]> basis) {
        double[] r = v.clone();
        for (double[] q : basis) {
            double c = dot(r, q);
            for (int i = 0; i < r.length; i++) {
                r[i] -= c * q[i];
            }
        }
        return r;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
