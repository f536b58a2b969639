package dev.engram.tools.eval;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.Ranker;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.eval.QuerySplit;
import dev.engram.tools.internal.ProgressBar;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One seed of the protocol: a seeded split of the judged queries into feedback tasks and new
 * (held-out) tasks; the corpus as the cases of the seed's own tenant; simulated agents' feedback on
 * the feedback tasks; the learned policy fitted on that feedback alone; every system scored on the
 * new tasks and on the feedback tasks asked again; with LoRA, the query-side adapter trained on the
 * same feedback; with rounds, the policy refitted round by round and gated.
 */
final class SeedEvaluation {

    private final EvalDataset data;
    private final EvalOptions options;
    private final EvalCorpus corpus;
    private final TextEncoder queryEncoder;
    private final QueryTower baseTower;
    private final EvalProgress progress;
    private final ResourceMonitor monitor;

    SeedEvaluation(
            EvalDataset data,
            EvalOptions options,
            EvalCorpus corpus,
            TextEncoder queryEncoder,
            QueryTower baseTower,
            EvalProgress progress,
            ResourceMonitor monitor) {
        this.data = data;
        this.options = options;
        this.corpus = corpus;
        this.queryEncoder = queryEncoder;
        this.baseTower = baseTower;
        this.progress = progress;
        this.monitor = monitor;
    }

    /**
     * What one seed produced.
     *
     * @param seed the seed
     * @param feedbackTasks how many feedback tasks the split gave
     * @param newTasks how many new (held-out) tasks
     * @param scores every system's figures on every scored query
     * @param fits the policy fits (base tower, and the LoRA tower with {@code --lora})
     * @param lora the LoRA round, or null without {@code --lora}
     * @param rounds each round of rounds mode (empty with one round)
     */
    record SeedResult(
            long seed,
            int feedbackTasks,
            int newTasks,
            List<QueryScore> scores,
            List<PolicyFit> fits,
            LoraRound lora,
            List<RoundResult> rounds) {}

    SeedResult run(long seed) {
        QuerySplit split = QuerySplit.split(data, options.feedbackFraction(), seed);
        String tenant = "eval-seed-" + seed;
        progress.note(
                "seed %d: %d feedback tasks, %d new tasks; tenant %s",
                seed, split.feedback().size(), split.heldOut().size(), tenant);
        List<Query> judged = new ArrayList<>(split.feedback());
        judged.addAll(split.heldOut());
        Map<String, CandidateLists> lists;
        try (var phase = monitor.phase("index and candidate lists")) {
            corpus.addTenant(tenant);
            lists = candidateLists(tenant, judged, baseTower, "recall s" + seed);
        }
        List<FeedbackTask> feedback;
        try (var phase = monitor.phase("simulated feedback")) {
            feedback = SimulatedAgents.judge(
                    corpus, tenant, split.feedback(), baseTower, data.qrels(), options.feedbackK());
        }
        Ranker untuned = corpus.untunedRanker();
        for (int pass = 2; pass <= options.feedbackPasses(); pass++) {
            try (var phase = monitor.phase("simulated feedback")) {
                Ranker serving = LearnedPolicy.serving(tenant, feedback, baseTower, lists, untuned);
                feedback = SimulatedAgents.judgeAgain(
                        corpus, tenant, feedback, baseTower, data.qrels(), options.feedbackK(), serving);
            }
        }
        long useful = feedback.stream().mapToLong(f -> f.useful().size()).sum();
        long shown = feedback.stream()
                .mapToLong(f -> f.episode().judgements().size())
                .sum();
        progress.note(
                "seed %d: agents judged %d recalled cases, %d useful (%.1f%%)",
                seed, shown, useful, 100.0 * useful / Math.max(1, shown));

        List<QueryScore> scores = new ArrayList<>();
        List<PolicyFit> fits = new ArrayList<>();
        Ceilings ceilings = new Ceilings(feedback, data.qrels(), untuned);
        try (LearnedPolicy policy = fitPolicy(seed, tenant, feedback, baseTower, lists, untuned)) {
            fits.add(policy.summary());
            Map<EvalSystem, Ranker> rankers = new HashMap<>();
            for (EvalSystem s : EvalSystem.scored(false, options.reuseVariants())) {
                rankers.put(s, s.untuned() || s.ceiling() ? untuned : policy.ranker(s));
            }
            score(seed, split, lists, rankers, ceilings, scores, "score s" + seed);
        }

        LoraRound loraRound = null;
        if (options.lora()) {
            LoraTraining lora = new LoraTraining(queryEncoder, corpus, progress, monitor);
            try (LoraTraining.Trained trained = lora.train(seed, tenant, feedback)) {
                loraRound = trained.round();
                QueryTower tuned;
                Map<String, CandidateLists> tunedLists;
                try (var phase = monitor.phase("LoRA query tower and candidate lists")) {
                    tuned = QueryTower.embed(
                            trained.embedderName(), judged, trained::embedQueries, progress, "embed LoRA q s" + seed);
                    tunedLists = candidateLists(tenant, judged, tuned, "recall LoRA s" + seed);
                }
                try (LearnedPolicy policy = fitPolicy(seed, tenant, feedback, tuned, tunedLists, untuned)) {
                    fits.add(policy.summary());
                    Map<EvalSystem, Ranker> rankers = Map.of(
                            EvalSystem.LORA_HYBRID,
                            untuned,
                            EvalSystem.LORA_POLICY,
                            policy.ranker(EvalSystem.LORA_POLICY),
                            EvalSystem.LORA_PROPOSED,
                            policy.ranker(EvalSystem.LORA_PROPOSED));
                    score(seed, split, tunedLists, rankers, ceilings, scores, "score LoRA s" + seed);
                }
            }
        }

        List<RoundResult> rounds = List.of();
        if (options.rounds() > 1) {
            try (var phase = monitor.phase("rounds")) {
                LoraTraining lora = options.lora() ? new LoraTraining(queryEncoder, corpus, progress, monitor) : null;
                rounds = new RoundsEvaluation(options, corpus, baseTower, data.qrels(), progress, lora)
                        .run(seed, tenant, feedback, split.heldOut(), lists, untuned);
            }
        }
        return new SeedResult(seed, split.feedback().size(), split.heldOut().size(), scores, fits, loraRound, rounds);
    }

    private LearnedPolicy fitPolicy(
            long seed,
            String tenant,
            List<FeedbackTask> feedback,
            QueryTower tower,
            Map<String, CandidateLists> lists,
            Ranker untuned) {
        try (var phase = monitor.phase("policy fit")) {
            LearnedPolicy policy =
                    LearnedPolicy.fit(seed, tenant, feedback, tower, lists, corpus, untuned, options.reuseVariants());
            PolicyFit fit = policy.summary();
            progress.note(
                    "seed %d: policy fitted on %d tasks in %.1f s (%s): %s; %d judged recalls, %d useful; "
                            + "selector %s",
                    seed,
                    fit.feedbackTasks(),
                    fit.seconds(),
                    tower.name(),
                    fit.policy(),
                    fit.judgedRecalls(),
                    fit.usefulRecalls(),
                    fit.selector());
            return policy;
        }
    }

    /** Every judged query's candidate lists under a query tower, in the seed's tenant. */
    private Map<String, CandidateLists> candidateLists(
            String tenant, List<Query> queries, QueryTower tower, String label) {
        Map<String, CandidateLists> lists = new HashMap<>();
        ProgressBar bar = progress.bar(label, queries.size());
        for (int i = 0; i < queries.size(); i++) {
            Query q = queries.get(i);
            lists.put(q.id(), corpus.candidates(tenant, q, tower.vector(q.id())));
            bar.update(i + 1);
        }
        bar.finish(queries.size(), "");
        return lists;
    }

    /** Scores each system on the new tasks and on the feedback tasks asked again. */
    private void score(
            long seed,
            QuerySplit split,
            Map<String, CandidateLists> lists,
            Map<EvalSystem, Ranker> rankers,
            Ceilings ceilings,
            List<QueryScore> out,
            String label) {
        try (var phase = monitor.phase("scoring")) {
            List<EvalSystem> systems = EvalSystem.scored(true, true).stream()
                    .filter(rankers::containsKey)
                    .toList();
            ProgressBar bar = progress.bar(
                    label,
                    (long) systems.size()
                            * (split.heldOut().size() + split.feedback().size()));
            long done = 0;
            for (Regime regime : Regime.values()) {
                List<Query> queries = regime == Regime.NEW ? split.heldOut() : split.feedback();
                for (EvalSystem system : systems) {
                    for (Query q : queries) {
                        List<String> ranking = system.ceiling()
                                ? ceilings.ranking(system, regime, q, lists.get(q.id()))
                                : Rankings.of(system, rankers.get(system), lists.get(q.id()));
                        if (data.qrels().hasRelevant(q.id())) {
                            out.add(new QueryScore(seed, regime, system, Rankings.score(q, ranking, data.qrels())));
                        }
                        bar.update(++done);
                    }
                }
            }
            bar.finish(done, "");
        }
    }
}
