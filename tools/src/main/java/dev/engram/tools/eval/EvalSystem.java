package dev.engram.tools.eval;

import java.util.Arrays;
import java.util.List;

/**
 * The retrieval systems {@code engram eval} scores, in the order of its table. The untuned ones
 * need no feedback; the learned ones are fitted per seed on the feedback tasks only; the LoRA ones
 * run only with {@code --lora}, the variants of the proposed policy's reuse only with
 * {@code --reuse-variants}.
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
            "reciprocal rank fusion, then judged-case reuse from similar judged tasks (similarity share, β 0.5,"
                    + " 5 neighbours, cosine >= 0.75)"),
    /** Score fusion at the weight fitted on the feedback. */
    FUSION("fusion", false, false, "score fusion, BM25 weight fitted on the feedback tasks"),
    /** Score fusion, then judged-case reuse from similar past tasks. */
    FUSION_REUSE("fusion + reuse", false, false, "fusion, then judged-case reuse from similar judged tasks"),
    /** Score fusion, then the case selector blended in by closeness to its trained tasks. */
    FUSION_SELECTOR("fusion + selector", false, false, "fusion, then the case selector Q(s, c) blended in"),
    /** Fusion, reuse and selector, as {@code RankerFactory} builds the full learned policy. */
    POLICY("policy", false, false, "fusion + reuse + selector, as RankerFactory builds the learned policy"),
    /** What a node's round proposes: reuse weighted by closeness, its search fitted on the feedback tasks. */
    PROPOSED(
            "RRF + closeness reuse",
            false,
            false,
            "what a node's round proposes: reciprocal rank fusion, then judged-case reuse weighted by closeness,"
                    + " threshold and neighbours fitted leave-one-out on the feedback tasks"),
    /** The proposed policy with its reuse strength β fitted too. */
    PROPOSED_STRENGTH(
            "+ fitted β",
            false,
            false,
            "the proposed policy with its reuse strength β (0.25 … 2) fitted leave-one-out after the search"),
    /** The proposed policy with β, the closeness power and the useless verdicts' weight fitted too. */
    PROPOSED_WEIGHING(
            "+ fitted weighing",
            false,
            false,
            "the proposed policy with β (0.25 … 2), the closeness power (0.5 … 3) and the weight of a useless"
                    + " verdict (0 … 1) fitted leave-one-out after the search"),
    /** The proposed policy finding similar tasks by their vectors and their words. */
    PROPOSED_WORDS(
            "+ task words",
            false,
            false,
            "the proposed policy with the tasks' similarity (1 − α) · cosine + α · the idf-weighted cosine of their"
                    + " words, α (0 … 0.4) fitted leave-one-out with the search"),
    /** Both: words in the similarity, then the weighing fitted. */
    PROPOSED_WORDS_WEIGHING(
            "+ task words + weighing",
            false,
            false,
            "the proposed policy with the tasks' words in their similarity and the weighing fitted, both leave-one-out"),
    /** The proposed policy with dense feedback at a λ fitted after the search (0, off, included). */
    PROPOSED_FITTED_FEEDBACK(
            "+ fitted feedback λ",
            false,
            false,
            "the proposed policy with dense feedback before the reuse, λ (0 = off … 0.5) fitted leave-one-out after"
                    + " the search"),
    /** The proposed policy with dense feedback before the reuse. */
    PROPOSED_FEEDBACK(
            "+ dense feedback",
            false,
            false,
            "the proposed policy with dense feedback (Rocchio from similar tasks' verdicts, λ 0.5) before the reuse"),
    /** The proposed policy with the case selector blended in. */
    PROPOSED_SELECTOR(
            "+ selector",
            false,
            false,
            "the proposed policy, then the case selector Q(s, c) blended in (0.5, from closeness 0.8)"),
    /** Reciprocal rank fusion, then task expansion (its weight fitted on the feedback tasks). */
    RRF_EXPANSION(
            "RRF + task expansion",
            false,
            false,
            "reciprocal rank fusion, then each case expanded by the texts of the feedback tasks that judged it"
                    + " (BM25 of the task against them, useful minus useless), γ fitted leave-one-out"),
    /** The proposed policy, then task expansion (its weight fitted on the feedback tasks). */
    PROPOSED_EXPANSION(
            "+ task expansion",
            false,
            false,
            "the proposed policy, then task expansion after the reuse, γ fitted leave-one-out on the feedback tasks"),
    /** The proposed policy, then task expansion at a fixed weight: whether expansion adds anything over reuse. */
    PROPOSED_EXPANSION_FIXED(
            "+ expansion γ 0.5",
            false,
            false,
            "the proposed policy, then task expansion at a fixed γ 0.5 (not fitted): a probe of what expansion adds"
                    + " over reuse"),
    /** The oracle: only cases judged useful move, to the top, best gain first. */
    CEILING_JUDGED(
            "ceiling: judged",
            false,
            false,
            "oracle: the cases judged useful (for this task when recurring, for any feedback task when new) that are"
                    + " relevant, moved to the top, best gain first"),
    /** The oracle: every relevant candidate to the top, best gain first. */
    CEILING_CANDIDATES(
            "ceiling: candidates",
            false,
            false,
            "oracle: every relevant candidate of the two lists moved to the top, best gain first"),
    /** The query-side LoRA adapter under the untuned hybrid. */
    LORA_HYBRID("LoRA hybrid RRF", false, true, "query-side LoRA adapter, then reciprocal rank fusion"),
    /** The query-side LoRA adapter under the learned policy, refitted on the adapter's own lists. */
    LORA_POLICY("LoRA policy", false, true, "query-side LoRA adapter under the learned policy (refitted on its lists)"),
    /** The query-side LoRA adapter under the proposed policy: what a round publishes when the adapter helps. */
    LORA_PROPOSED(
            "LoRA RRF + closeness reuse",
            false,
            true,
            "query-side LoRA adapter under the proposed policy (its search refitted on the adapter's lists and task"
                    + " vectors): a round's version when it carries an adapter");

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

    /** Whether the row is an oracle's ceiling, not a system (it reads the qrels). */
    public boolean ceiling() {
        return this == CEILING_JUDGED || this == CEILING_CANDIDATES;
    }

    /** Whether the row is a variant of the proposed policy's reuse ({@code --reuse-variants}). */
    public boolean reuseVariant() {
        return ReuseVariants.GRIDS.containsKey(this);
    }

    /** The systems a run scores, in table order. */
    public static List<EvalSystem> scored(boolean withLora, boolean withReuseVariants) {
        return Arrays.stream(values())
                .filter(s -> withLora || !s.lora)
                .filter(s -> withReuseVariants || !s.reuseVariant())
                .toList();
    }
}
