package dev.engram.tools.eval;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.Judgement;
import dev.engram.memory.Ranker;
import dev.engram.retriever.ranking.ExpansionFit;
import dev.engram.retriever.ranking.JudgedQuery;
import dev.engram.retriever.ranking.JudgedTask;
import dev.engram.retriever.ranking.JudgedTaskMemory;
import dev.engram.retriever.ranking.RankerFactory;
import dev.engram.retriever.ranking.RankerPolicy;
import dev.engram.retriever.ranking.ReuseFit;
import dev.engram.retriever.ranking.ReuseGrid;
import dev.engram.retriever.ranking.ScoreFusionFit;
import dev.engram.retriever.ranking.TrainedSelector;
import dev.engram.retriever.selector.CaseSelector;
import dev.engram.retriever.selector.SelectorConfig;
import dev.engram.retriever.selector.SelectorExample;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tenant's learned ranker policy fitted on its feedback, under one query tower: the score-fusion
 * weight ({@link ScoreFusionFit} on the feedback tasks' candidate lists, each judged case's gain 1
 * if useful and 0 if not: the agents' verdicts, never the graded qrels), the judged-task memory
 * (each feedback task's vector from this tower, with its useful and useless cases) and the case
 * selector Q(s, c) trained on the judged recalls. Reuse and selector run at
 * {@link RankerPolicy}'s defaults (β 0.5, 5 neighbours, cosine ≥ 0.75; blend 0.5 from closeness
 * 0.8): nothing here is tuned on held-out tasks.
 *
 * <p>Close it to free the selector's weights.
 */
final class LearnedPolicy implements AutoCloseable {

    private final RankerFactory factory;
    private final RankerPolicy policy;
    private final CaseSelector selector;
    private final PolicyFit fit;
    private final RankerPolicy proposed;
    private final RankerPolicy rrfExpansion;
    private final RankerPolicy proposedExpansion;
    private final Map<EvalSystem, RankerPolicy> variants;

    private LearnedPolicy(
            RankerFactory factory,
            RankerPolicy policy,
            RankerPolicy proposed,
            RankerPolicy rrfExpansion,
            RankerPolicy proposedExpansion,
            Map<EvalSystem, RankerPolicy> variants,
            CaseSelector selector,
            PolicyFit fit) {
        this.variants = variants;
        this.proposed = proposed;
        this.rrfExpansion = rrfExpansion;
        this.proposedExpansion = proposedExpansion;
        this.factory = factory;
        this.policy = policy;
        this.selector = selector;
        this.fit = fit;
    }

    /**
     * Fits the policy on {@code feedback}.
     *
     * @param lists the candidate lists of (at least) every feedback task under {@code tower}, by query id
     * @param untuned the store's reciprocal rank fusion
     * @param withReuseVariants whether to fit the variants of the proposed policy's reuse too
     */
    static LearnedPolicy fit(
            long seed,
            String tenant,
            List<FeedbackTask> feedback,
            QueryTower tower,
            Map<String, CandidateLists> lists,
            EvalCorpus corpus,
            Ranker untuned,
            boolean withReuseVariants) {
        long began = System.nanoTime();
        List<JudgedQuery> judged = new ArrayList<>(feedback.size());
        List<JudgedTask> tasks = new ArrayList<>(feedback.size());
        List<SelectorExample> examples = new ArrayList<>();
        for (FeedbackTask f : feedback) {
            Map<String, Integer> gains = new HashMap<>();
            float[] task = tower.vector(f.query().id());
            for (Judgement j : f.episode().judgements()) {
                boolean useful = Boolean.TRUE.equals(j.useful());
                gains.put(j.caseId(), useful ? 1 : 0);
                examples.add(new SelectorExample(task, corpus.docVector(j.caseId()), useful));
            }
            judged.add(new JudgedQuery(lists.get(f.query().id()), gains));
            tasks.add(new JudgedTask(
                    f.episode().eventId(),
                    task,
                    f.useful(),
                    f.useless(),
                    f.query().text()));
        }
        boolean scorable = judged.stream().anyMatch(JudgedQuery::scorable);
        ScoreFusionFit fusion = scorable ? ScoreFusionFit.fit(judged) : null;
        double weight = fusion == null ? RankerPolicy.DEFAULT_FUSION_WEIGHT : fusion.weight();
        JudgedTaskMemory memory = new JudgedTaskMemory(tenant, tasks);
        RankerFactory factory = RankerFactory.of(untuned, memory);

        long useful = examples.stream().filter(SelectorExample::useful).count();
        CaseSelector selector = null;
        Double selectorLoss = null;
        if (useful > 0 && useful < examples.size()) {
            selector = CaseSelector.create(
                    tower.vectors().values().iterator().next().length,
                    SelectorConfig.defaults().withSeed(seed));
            selectorLoss = selector.fit(examples);
            factory = factory.withSelector(TrainedSelector.of(tenant, selector, examples));
        }
        RankerPolicy policy = RankerPolicy.untuned()
                .withFusion(weight)
                .withReuse(
                        RankerPolicy.DEFAULT_REUSE_BETA,
                        RankerPolicy.DEFAULT_REUSE_NEIGHBOURS,
                        RankerPolicy.DEFAULT_REUSE_THRESHOLD);
        if (selector != null) {
            policy = policy.withSelector(RankerPolicy.DEFAULT_SELECTOR_BLEND, RankerPolicy.DEFAULT_SELECTOR_THRESHOLD);
        }
        Fitted proposed = fitSearch(RankerPolicy.proposed(), untuned, tenant, tasks, judged);
        ExpansionFit rrfExpansion =
                scorable ? ExpansionFit.fit(RankerPolicy.untuned(), untuned, tenant, tasks, judged) : null;
        ExpansionFit proposedExpansion =
                scorable ? ExpansionFit.fit(proposed.policy(), untuned, tenant, tasks, judged) : null;
        Map<EvalSystem, RankerPolicy> variants = new EnumMap<>(EvalSystem.class);
        List<String> variantFits = new ArrayList<>();
        Map<EvalSystem, ReuseGrid> grids = withReuseVariants ? ReuseVariants.GRIDS : Map.of();
        for (Map.Entry<EvalSystem, ReuseGrid> v : new TreeMap<>(grids).entrySet()) {
            if (!scorable) {
                variants.put(v.getKey(), RankerPolicy.proposed());
                continue;
            }
            long start = System.nanoTime();
            ReuseFit f = ReuseFit.fit(RankerPolicy.proposed(), untuned, tenant, tasks, judged, v.getValue());
            variants.put(v.getKey(), f.applyTo(RankerPolicy.proposed()));
            variantFits.add(String.format(
                    Locale.ROOT,
                    "%s: %s (%d points, %.1f s)",
                    v.getKey().label(),
                    f,
                    v.getValue().points(),
                    (System.nanoTime() - start) / 1e9));
        }
        PolicyFit fit = new PolicyFit(
                seed,
                tower.name(),
                feedback.size(),
                weight,
                fusion == null ? null : fusion.trainingNdcg(),
                examples.size(),
                useful,
                selector == null ? "none: the feedback has only one verdict" : "trained",
                selectorLoss,
                policy.describe(),
                proposed.policy().describe(),
                proposed.fit() == null ? null : proposed.fit().looNdcg(),
                proposed.fit() == null ? null : proposed.fit().baseNdcg(),
                rrfExpansion == null ? null : "RRF: " + rrfExpansion + "; proposed: " + proposedExpansion,
                variantFits,
                (System.nanoTime() - began) / 1e9);
        return new LearnedPolicy(
                factory,
                policy,
                proposed.policy(),
                rrfExpansion == null ? RankerPolicy.untuned() : rrfExpansion.applyTo(RankerPolicy.untuned()),
                proposedExpansion == null ? proposed.policy() : proposedExpansion.applyTo(proposed.policy()),
                variants,
                selector,
                fit);
    }

    /** A policy with its similar-task search fitted, and the fit (null when no task had a useful verdict). */
    private record Fitted(RankerPolicy policy, ReuseFit fit) {}

    private static Fitted fitSearch(
            RankerPolicy policy, Ranker untuned, String tenant, List<JudgedTask> tasks, List<JudgedQuery> judged) {
        if (judged.stream().noneMatch(JudgedQuery::scorable)) {
            return new Fitted(policy, null);
        }
        ReuseFit fit = ReuseFit.fit(policy, untuned, tenant, tasks, judged);
        return new Fitted(fit.applyTo(policy), fit);
    }

    /**
     * The ranker that serves after {@code feedback}: the policy a node's round proposes
     * ({@link RankerPolicy#proposed()}, its search fitted on that feedback), as the agents of a later
     * feedback pass meet it.
     */
    static Ranker serving(
            String tenant,
            List<FeedbackTask> feedback,
            QueryTower tower,
            Map<String, CandidateLists> lists,
            Ranker untuned) {
        List<JudgedQuery> judged = new ArrayList<>(feedback.size());
        List<JudgedTask> tasks = new ArrayList<>(feedback.size());
        for (FeedbackTask f : feedback) {
            Map<String, Integer> gains = new HashMap<>();
            f.episode().judgements().forEach(j -> gains.put(j.caseId(), Boolean.TRUE.equals(j.useful()) ? 1 : 0));
            judged.add(new JudgedQuery(lists.get(f.query().id()), gains));
            tasks.add(new JudgedTask(
                    f.episode().eventId(),
                    tower.vector(f.query().id()),
                    f.useful(),
                    f.useless(),
                    f.query().text()));
        }
        RankerPolicy policy = fitSearch(RankerPolicy.proposed(), untuned, tenant, tasks, judged)
                .policy();
        return RankerFactory.of(untuned, new JudgedTaskMemory(tenant, tasks)).build(policy);
    }

    private RankerPolicy variant(EvalSystem system) {
        RankerPolicy v = variants.get(system);
        if (v == null) {
            throw new IllegalStateException(
                    system.label() + " is fitted only with the reuse variants (--reuse-variants)");
        }
        return v;
    }

    /**
     * The ranker of one of the learned systems ({@link EvalSystem#LORA_POLICY} is {@link EvalSystem#POLICY}, {@link
     * EvalSystem#LORA_PROPOSED} is {@link EvalSystem#PROPOSED}, each fitted on the adapter's lists).
     */
    Ranker ranker(EvalSystem system) {
        RankerPolicy fusionOnly = policy.withoutReuse().withoutSelector();
        return factory.build(
                switch (system) {
                    case FUSION -> fusionOnly;
                    case RRF_REUSE -> policy.withRrf().withoutSelector();
                    case FUSION_REUSE -> policy.withoutSelector();
                    case FUSION_SELECTOR -> policy.withoutReuse();
                    case POLICY, LORA_POLICY -> policy;
                    case PROPOSED, LORA_PROPOSED -> proposed;
                    case PROPOSED_STRENGTH,
                            PROPOSED_WEIGHING,
                            PROPOSED_WORDS,
                            PROPOSED_WORDS_WEIGHING,
                            PROPOSED_FITTED_FEEDBACK -> variant(system);
                    case PROPOSED_FEEDBACK -> proposed.withFeedback(RankerPolicy.DEFAULT_FEEDBACK_WEIGHT);
                    case PROPOSED_SELECTOR ->
                        selector == null
                                ? proposed
                                : proposed.withSelector(
                                        RankerPolicy.DEFAULT_SELECTOR_BLEND, RankerPolicy.DEFAULT_SELECTOR_THRESHOLD);
                    case RRF_EXPANSION -> rrfExpansion;
                    case PROPOSED_EXPANSION -> proposedExpansion;
                    case PROPOSED_EXPANSION_FIXED -> proposed.withExpansion(0.5);
                    default -> throw new IllegalArgumentException(system.label() + " is not a learned ranker");
                });
    }

    /** The full policy. */
    RankerPolicy policy() {
        return policy;
    }

    /** The policy a node's round proposes ({@link EvalSystem#PROPOSED}). */
    RankerPolicy proposed() {
        return proposed;
    }

    /** What was fitted, for the report. */
    PolicyFit summary() {
        return fit;
    }

    @Override
    public void close() {
        if (selector != null) {
            selector.close();
        }
    }
}
