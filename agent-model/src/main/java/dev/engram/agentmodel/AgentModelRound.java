package dev.engram.agentmodel;

import ai.djl.ndarray.NDManager;
import dev.engram.adapters.TrainingListener;
import dev.engram.streams.FeedbackEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * One round for a tenant, start to end: successful episodes → examples → a split by episode id →
 * a LoRA candidate trained on one side → the gate on the other (candidate against the serving
 * adapter, or the base model when none serves) → the candidate written in PEFT layout.
 *
 * <pre>{@code
 * RoundReport r = new AgentModelRound(model, tokenizer, config, manager, progress -> bar.update(progress))
 *         .run("acme", events, caseTexts, servingAdapterDirOrNull, Path.of("out/acme-v4"));
 * r.verdict().promote();   // and r.verdict().reason()
 * }</pre>
 */
public final class AgentModelRound {

    private final LlamaModel model;
    private final AgentTokenizer tokenizer;
    private final RoundConfig config;
    private final NDManager manager;
    private final TrainingListener listener;

    public AgentModelRound(
            LlamaModel model,
            AgentTokenizer tokenizer,
            RoundConfig config,
            NDManager manager,
            TrainingListener listener) {
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.config = Objects.requireNonNull(config, "config");
        this.manager = Objects.requireNonNull(manager, "manager");
        this.listener = listener;
    }

    /**
     * Runs the round.
     *
     * @param serving the PEFT directory of the adapter that serves now, or null for the base model
     * @throws IllegalArgumentException when there is nothing to train on or nothing held out
     */
    public RoundReport run(String tenant, List<FeedbackEvent> events, CaseTexts cases, Path serving, Path outDir)
            throws IOException {
        ExampleSet set = new EpisodeExamples(tokenizer, model.config(), config.examples()).build(tenant, events, cases);
        ExampleSplit split = ExampleSplit.byEpisode(set.examples(), config.heldOutFraction());
        if (split.heldOut().isEmpty() || split.train().isEmpty()) {
            throw new IllegalArgumentException("tenant " + tenant + " has "
                    + set.examples().size()
                    + " distinct successful episodes (" + split.train().size() + " to train on, "
                    + split.heldOut().size() + " held out): too few for a round; lower minReward or wait for more");
        }
        AgentAdapterTrainer trainer = new AgentAdapterTrainer(
                config.lora(), config.training(), config.batchSize(), listener, Clock.systemUTC());
        try (AgentTraining run = trainer.fit(model, split.train())) {
            run.adapted().lora().save(outDir);
            PlanLossVerdict verdict;
            if (serving == null) {
                verdict =
                        config.gate().judge(run.adapted().model(), model, split.heldOut(), config.batchSize(), manager);
            } else {
                try (AdaptedModel current = AdaptedModel.load(serving, model, manager)) {
                    verdict = config.gate()
                            .judge(
                                    run.adapted().model(),
                                    current.model(),
                                    split.heldOut(),
                                    config.batchSize(),
                                    manager);
                }
            }
            return new RoundReport(set, split.train().size(), split.heldOut().size(), run.summary(), verdict, outDir);
        }
    }
}
