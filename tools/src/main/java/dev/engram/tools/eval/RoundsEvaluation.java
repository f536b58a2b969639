package dev.engram.tools.eval;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.Ranker;
import dev.engram.retriever.eval.GateVerdict;
import dev.engram.retriever.eval.PairedTest;
import dev.engram.retriever.eval.Qrels;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.tuning.Continuation;
import dev.engram.retriever.tuning.TrainingExample;
import dev.engram.tools.internal.ProgressBar;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Rounds mode: the feedback tasks arrive in N seeded slices (a seeded shuffle, never id order). Of
 * each slice a share is held out for the gate and never trained on, as the node's scheduler does;
 * the gate set grows with the rounds (every task held out so far). After each round every system
 * proposes a candidate version, and the gate compares it with that system's <em>serving</em>
 * version (the last one it promoted; round 0: untuned hybrid RRF) on every gate task so far, paired
 * per task, with {@link PairedTest#verdict(double, double)} at the run's confidence and margin
 * (promote when the interval's lower bound is above −margin and the mean gain ≥ 0). A promoted
 * candidate serves from then on. The true direction: the same two versions on the new (held-out)
 * tasks, which no round sees.
 *
 * <p>Systems: the policy a node's round proposes ({@link EvalSystem#PROPOSED}: RRF + reuse weighted
 * by closeness, its search fitted leave-one-out) refitted on all training feedback so far (base
 * tower); with
 * {@code --lora}, one query-side LoRA adapter chain per {@link Continuation} strategy, each round's
 * adapter trained from the chain's serving adapter as the strategy says and scored under untuned
 * RRF on its own candidate lists (the adapter alone, without the learned rankers).
 */
final class RoundsEvaluation {

    /** Salt of the slices' shuffle, so that it differs from the split's shuffle of the same seed. */
    private static final long SLICE_SALT = 0x5EED_51CEL;

    /** The proposed policy's system name in the rounds. */
    static final String POLICY = "policy";

    private final EvalOptions options;
    private final EvalCorpus corpus;
    private final QueryTower tower;
    private final Qrels qrels;
    private final EvalProgress progress;
    private final LoraTraining lora;

    RoundsEvaluation(
            EvalOptions options,
            EvalCorpus corpus,
            QueryTower tower,
            Qrels qrels,
            EvalProgress progress,
            LoraTraining lora) {
        this.options = options;
        this.corpus = corpus;
        this.tower = tower;
        this.qrels = qrels;
        this.progress = progress;
        this.lora = lora;
    }

    /** A LoRA strategy's system name. */
    static String loraSystem(Continuation c) {
        return "LoRA " + c;
    }

    /** A version as the gate scores it: a ranker over candidate lists. */
    private record Version(String description, Ranker ranker, Map<String, CandidateLists> lists) {}

    /** The tasks of one round, cumulative. */
    private record Tasks(List<Query> training, List<Query> gate, List<Query> fresh) {}

    List<RoundResult> run(
            long seed,
            String tenant,
            List<FeedbackTask> feedback,
            List<Query> newTasks,
            Map<String, CandidateLists> lists,
            Ranker untuned) {
        List<FeedbackTask> shuffled = new ArrayList<>(feedback);
        shuffled.sort(Comparator.comparing(f -> f.query().id()));
        Collections.shuffle(shuffled, new Random(seed ^ SLICE_SALT));
        int n = options.rounds();
        List<FeedbackTask> training = new ArrayList<>();
        List<Query> gate = new ArrayList<>();
        List<RoundResult> results = new ArrayList<>();
        Version base = new Version("untuned hybrid RRF", untuned, lists);
        Map<String, Double> untunedNew = ndcg(newTasks, base);
        List<Query> judged = new ArrayList<>(newTasks);
        feedback.forEach(f -> judged.add(f.query()));

        LearnedPolicy servingPolicy = null;
        Version policyServing = base;
        Map<Continuation, LoraTraining.Trained> servingAdapters = new LinkedHashMap<>();
        Map<Continuation, Version> adapterServing = new LinkedHashMap<>();
        List<Continuation> strategies = options.lora() ? options.continuations() : List.of();
        strategies.forEach(c -> adapterServing.put(c, base));
        try {
            for (int r = 1; r <= n; r++) {
                List<FeedbackTask> slice = shuffled.subList((r - 1) * shuffled.size() / n, r * shuffled.size() / n);
                int gateCount = (int) Math.round(slice.size() * options.gateFraction());
                slice.subList(0, gateCount).forEach(f -> gate.add(f.query()));
                List<FeedbackTask> older = List.copyOf(training);
                List<FeedbackTask> fresh = slice.subList(gateCount, slice.size());
                training.addAll(fresh);
                if (training.isEmpty()) {
                    progress.note(
                            "seed %d round %d: no training task yet (slices of %d, gate share %.2f); skipped",
                            seed, r, slice.size(), options.gateFraction());
                    continue;
                }
                Tasks tasks =
                        new Tasks(training.stream().map(FeedbackTask::query).toList(), List.copyOf(gate), newTasks);
                Map<String, Double> untunedRecurring = ndcg(tasks.training(), base);

                LearnedPolicy policy = LearnedPolicy.fit(seed, tenant, training, tower, lists, corpus, untuned, false);
                Version candidate =
                        new Version(policy.proposed().describe(), policy.ranker(EvalSystem.PROPOSED), lists);
                RoundResult result =
                        judge(seed, r, POLICY, candidate, policyServing, tasks, untunedNew, untunedRecurring);
                results.add(result);
                if (Boolean.TRUE.equals(result.gate())) {
                    if (servingPolicy != null) {
                        servingPolicy.close();
                    }
                    servingPolicy = policy;
                    policyServing = candidate;
                } else {
                    policy.close();
                }

                List<TrainingExample> freshExamples = lora == null ? List.of() : lora.examples(tenant, fresh);
                List<TrainingExample> olderExamples = lora == null ? List.of() : lora.examples(tenant, older);
                for (Continuation c : strategies) {
                    if (freshExamples.isEmpty()) {
                        progress.note(
                                "seed %d round %d: no new task with a useful case; %s trains nothing",
                                seed, r, loraSystem(c));
                        continue;
                    }
                    LoraTraining.Trained serving = servingAdapters.get(c);
                    LoraTraining.Trained trained = lora.train(
                            seed,
                            tenant,
                            freshExamples,
                            olderExamples,
                            c,
                            serving == null ? null : serving.adapter(),
                            String.format(Locale.ROOT, "LoRA %s s%d r%d", c, seed, r));
                    QueryTower tuned = QueryTower.embed(
                            trained.embedderName(),
                            judged,
                            trained::embedQueries,
                            progress,
                            String.format(Locale.ROOT, "embed %s s%d r%d", c, seed, r));
                    LoraRound cost = trained.round();
                    Version adapter = new Version(
                            String.format(
                                    Locale.ROOT,
                                    "%s: %d new + %d older examples, %d steps at lr %.1e x %d epochs, %.1f s",
                                    c,
                                    cost.examples(),
                                    cost.olderExamples(),
                                    cost.steps(),
                                    cost.learningRate(),
                                    cost.epochs(),
                                    cost.seconds()),
                            untuned,
                            candidateLists(tenant, judged, tuned));
                    RoundResult chain = judge(
                            seed,
                            r,
                            loraSystem(c),
                            adapter,
                            adapterServing.get(c),
                            tasks,
                            untunedNew,
                            untunedRecurring);
                    results.add(chain);
                    if (Boolean.TRUE.equals(chain.gate())) {
                        if (serving != null) {
                            serving.close();
                        }
                        servingAdapters.put(c, trained);
                        adapterServing.put(c, adapter);
                    } else {
                        trained.close();
                    }
                }
            }
        } finally {
            if (servingPolicy != null) {
                servingPolicy.close();
            }
            servingAdapters.values().forEach(LoraTraining.Trained::close);
        }
        return results;
    }

    /** The gate's verdict on a candidate against the serving version, and the truth on the new tasks. */
    private RoundResult judge(
            long seed,
            int round,
            String system,
            Version candidate,
            Version serving,
            Tasks tasks,
            Map<String, Double> untunedNew,
            Map<String, Double> untunedRecurring) {
        Map<String, Double> candidateNew = ndcg(tasks.fresh(), candidate);
        Map<String, Double> servingNew = ndcg(tasks.fresh(), serving);
        Map<String, Double> candidateRecurring = ndcg(tasks.training(), candidate);
        Gain trueGain = Gain.of(PairedTest.of(candidateNew, servingNew));
        Boolean promote = null;
        String reading = null;
        String reason = "no gate tasks (gate share " + options.gateFraction() + ")";
        Gain gateTest = null;
        Map<String, Boolean> otherRules = new LinkedHashMap<>();
        boolean truthUp = trueGain.meanGain() >= 0;
        if (!tasks.gate().isEmpty()) {
            Map<String, Double> candidateGate = ndcg(tasks.gate(), candidate);
            Map<String, Double> servingGate = ndcg(tasks.gate(), serving);
            PairedTest test = PairedTest.of(
                    candidateGate,
                    servingGate,
                    options.gateConfidence(),
                    PairedTest.DEFAULT_RESAMPLES,
                    PairedTest.DEFAULT_SEED);
            GateVerdict verdict = test.verdict(options.gateMaxLoss(), PairedTest.DEFAULT_MIN_GAIN);
            promote = verdict.promote();
            reason = verdict.reason();
            reading = test.showsGain() ? "gain" : test.showsLoss() ? "loss" : "no measurable change";
            gateTest = Gain.of(test);
            // Other rules on the same candidates, for comparison only: the chain follows the gate above.
            otherRules.put("mean gain >= 0 (no interval)", test.meanGain() >= 0 == truthUp);
            PairedTest at80 = PairedTest.of(
                    candidateGate, servingGate, 0.8, PairedTest.DEFAULT_RESAMPLES, PairedTest.DEFAULT_SEED);
            otherRules.put(
                    "80% interval",
                    at80.verdict(options.gateMaxLoss(), PairedTest.DEFAULT_MIN_GAIN)
                                    .promote()
                            == truthUp);
            otherRules.put("lower bound >= -margin only", test.lower() >= -options.gateMaxLoss() == truthUp);
            Map<String, Double> candidateProbe = new LinkedHashMap<>(candidateGate);
            Map<String, Double> servingProbe = new LinkedHashMap<>(servingGate);
            candidateProbe.putAll(ndcg(tasks.training(), candidate));
            servingProbe.putAll(ndcg(tasks.training(), serving));
            PairedTest probe = PairedTest.of(
                    candidateProbe,
                    servingProbe,
                    options.gateConfidence(),
                    PairedTest.DEFAULT_RESAMPLES,
                    PairedTest.DEFAULT_SEED);
            otherRules.put(
                    "gate + re-asked training tasks",
                    probe.verdict(options.gateMaxLoss(), PairedTest.DEFAULT_MIN_GAIN)
                                    .promote()
                            == truthUp);
        }
        Boolean agrees = promote == null ? null : promote == truthUp;
        double candidateMean = mean(candidateNew);
        double servingAfter = Boolean.TRUE.equals(promote) ? candidateMean : mean(servingNew);
        progress.note(
                "seed %d round %d %s: %d training / %d gate tasks; new tasks nDCG@10 %.4f (%+.2f points vs"
                        + " serving); gate %s%s",
                seed,
                round,
                system,
                tasks.training().size(),
                tasks.gate().size(),
                candidateMean,
                100 * trueGain.meanGain(),
                promote == null ? "-" : (promote ? "PROMOTE" : "REJECT") + " (" + reading + ")",
                agrees == null ? "" : agrees ? ", agrees" : ", DISAGREES");
        return new RoundResult(
                seed,
                round,
                system,
                tasks.training().size(),
                tasks.gate().size(),
                candidate.description(),
                candidateMean,
                mean(candidateRecurring),
                Gain.of(PairedTest.of(candidateNew, untunedNew)),
                Gain.of(PairedTest.of(candidateRecurring, untunedRecurring)),
                promote,
                reading,
                reason,
                gateTest,
                trueGain,
                agrees,
                servingAfter,
                otherRules,
                gains(candidateNew, untunedNew),
                gains(candidateRecurring, untunedRecurring));
    }

    private static Map<String, Double> gains(Map<String, Double> candidate, Map<String, Double> reference) {
        Map<String, Double> out = new LinkedHashMap<>();
        candidate.forEach((id, v) -> out.put(id, v - reference.get(id)));
        return out;
    }

    private static double mean(Map<String, Double> scores) {
        return scores.values().stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElse(0);
    }

    /** Every judged query's candidate lists under a query tower, in the seed's tenant. */
    private Map<String, CandidateLists> candidateLists(String tenant, List<Query> queries, QueryTower queryTower) {
        Map<String, CandidateLists> out = new HashMap<>();
        ProgressBar bar = progress.bar("recall " + queryTower.name(), queries.size());
        for (int i = 0; i < queries.size(); i++) {
            Query q = queries.get(i);
            out.put(q.id(), corpus.candidates(tenant, q, queryTower.vector(q.id())));
            bar.update(i + 1);
        }
        bar.finish(queries.size(), "");
        return out;
    }

    private Map<String, Double> ndcg(List<Query> queries, Version version) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Query q : queries) {
            if (qrels.hasRelevant(q.id())) {
                out.put(
                        q.id(),
                        Rankings.score(
                                        q,
                                        Rankings.of(
                                                EvalSystem.POLICY,
                                                version.ranker(),
                                                version.lists().get(q.id())),
                                        qrels)
                                .ndcgAt10());
            }
        }
        return out;
    }
}
