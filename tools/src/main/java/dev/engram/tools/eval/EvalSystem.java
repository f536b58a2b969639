package dev.engram.tools.eval;

import java.util.Arrays;
import java.util.List;

/**
 * The retrieval systems {@code engram eval} scores, in the order of its table. The untuned ones
 * need no feedback; the learned ones are fitted per seed on the feedback tasks only; the LoRA ones
 * run only with {@code --lora}.
 */
public enum EvalSystem {
    /** BM25's own list (the store's BM25 search). */
    BM25("BM25", true, false, "BM25 list of the store"),
    /** The vector search's own list, base MiniLM on both towers. */
    DENSE("dense", true, false, "vector list of the store (base MiniLM)"),
    /** Reciprocal rank fusion of the two lists: what an untuned tenant serves. */
    HYBRID_RRF("hybrid RRF", true, false, "reciprocal rank fusion (k 60) of both lists: the untuned ranker"),
    /** Reciprocal rank fusion, then judged-case reuse from similar past tasks. */
    RRF_REUSE(
            "hybrid RRF + reuse",
            false,
            false,
            "reciprocal rank fusion, then judged-case reuse from similar judged tasks"),
    /** Score fusion at the weight fitted on the feedback. */
    FUSION("fusion", false, false, "score fusion, BM25 weight fitted on the feedback tasks"),
    /** Score fusion, then judged-case reuse from similar past tasks. */
    FUSION_REUSE("fusion + reuse", false, false, "fusion, then judged-case reuse from similar judged tasks"),
    /** Score fusion, then the case selector blended in by closeness to its trained tasks. */
    FUSION_SELECTOR("fusion + selector", false, false, "fusion, then the case selector Q(s, c) blended in"),
    /** Fusion, reuse and selector, as {@code RankerFactory} builds the full learned policy. */
    POLICY("policy", false, false, "fusion + reuse + selector, as RankerFactory builds the learned policy"),
    /** The query-side LoRA adapter under the untuned hybrid. */
    LORA_HYBRID("LoRA hybrid RRF", false, true, "query-side LoRA adapter, then reciprocal rank fusion"),
    /** The query-side LoRA adapter under the learned policy, refitted on the adapter's own lists. */
    LORA_POLICY("LoRA policy", false, true, "query-side LoRA adapter under the learned policy (refitted on its lists)");

    private final String label;
    private final boolean untuned;
    private final boolean lora;
    private final String description;

    EvalSystem(String label, boolean untuned, boolean lora, String description) {
        this.label = label;
        this.untuned = untuned;
        this.lora = lora;
        this.description = description;
    }

    /** The name in tables, JSON and the per-query file. */
    public String label() {
        return label;
    }

    /** Whether the system needs no feedback (a candidate for the paired test's baseline). */
    public boolean untuned() {
        return untuned;
    }

    /** Whether the system needs the LoRA adapter ({@code --lora}). */
    public boolean lora() {
        return lora;
    }

    /** One line on what the system is. */
    public String description() {
        return description;
    }

    /** The systems a run scores, in table order. */
    public static List<EvalSystem> scored(boolean withLora) {
        return Arrays.stream(values()).filter(s -> withLora || !s.lora).toList();
    }
}
