package dev.engram.agentmodel;

import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.TrainingConfig;
import dev.engram.retriever.eval.PairedTest;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.PlanLossMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a round's candidate looks like on {@code engram.adapters}: an
 * {@link dev.engram.streams.AdapterKind#AGENT_MODEL} {@link AdapterPublished} with the PEFT folder the
 * round wrote, the shape and settings it was trained with, and the plan-loss gate's verdict. Sign
 * it with the worker's key before publishing: runtimes deliver only what a trusted key signed, and
 * only when that signed verdict promotes it.
 *
 * <pre>{@code
 * RoundReport report = round.run("acme", events, cases, serving, Path.of("out/acme-v4"));
 * AdapterPublished candidate = AgentAdapterPublication.candidate(
 *         "acme-agent-model", "acme", 4, 3L, config, report, "acme-agent-model-v4", clock.instant());
 * publisher.publish(AdapterSignature.sign(candidate, workerKey.keyPair()));
 * }</pre>
 */
public final class AgentAdapterPublication {

    private AgentAdapterPublication() {}

    /**
     * The unsigned candidate for {@code report}'s adapter.
     *
     * @param parentVersion the published version the round was gated against (and continued from,
     *     when the config says so); null when it was gated against the base model
     * @throws IOException when the round's PEFT folder cannot be read
     * @throws IllegalArgumentException when the round's settings do not fit the wire's
     *     {@link LoraTrainingConfig} (e.g. a batch of one)
     * @throws dev.engram.streams.InvalidEventException naming the field, when a part breaks the contract
     */
    public static AdapterPublished candidate(
            String adapterName,
            String tenant,
            long version,
            Long parentVersion,
            RoundConfig config,
            RoundReport report,
            String jobId,
            Instant createdAt)
            throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(report, "report");
        return AdapterPublished.agentModelCandidate(
                adapterName,
                tenant,
                version,
                parentVersion,
                config.lora().baseModelName(),
                wireConfig(config, report.trainExamples()),
                planLoss(report.verdict()),
                jobId,
                files(report.adapterDir()),
                createdAt);
    }

    /** The gate's verdict as it travels: losses, n, mean gain and its interval, promote, reason. */
    public static PlanLossMetrics planLoss(PlanLossVerdict verdict) {
        PairedTest test = verdict.verdict().test();
        return new PlanLossMetrics(
                verdict.candidateNll(),
                verdict.servingNll(),
                test.n(),
                test.meanGain(),
                test.lower(),
                test.upper(),
                verdict.promote(),
                verdict.reason());
    }

    /**
     * The round's settings in the wire's terms: the LoRA shape as is; epochs are the passes its steps
     * made over the training examples (rounded up, at most 100); maxLength is prompt plus plan tokens.
     */
    static LoraTrainingConfig wireConfig(RoundConfig config, int trainExamples) {
        LoraConfig lora = config.lora();
        TrainingConfig training = config.training();
        if (config.batchSize() < 2) {
            throw new IllegalArgumentException("a round with a batch of " + config.batchSize()
                    + " cannot be published: the wire's LoraTrainingConfig takes batches of 2 to 4096");
        }
        long seen = training.totalSteps() * config.batchSize();
        int epochs = (int) Math.min(100, Math.max(1, (seen + trainExamples - 1) / Math.max(1, trainExamples)));
        ExampleConfig examples = config.examples();
        return new LoraTrainingConfig(
                lora.r(),
                lora.alpha(),
                lora.dropout(),
                lora.targetModulesRegex() == null ? lora.targetModules() : List.of(),
                lora.useRslora(),
                lora.useDora(),
                epochs,
                config.batchSize(),
                training.learningRate(),
                training.seed(),
                Math.min(8192, examples.maxPromptTokens() + examples.maxTargetTokens()),
                LoraTrainingConfig.Init.valueOf(lora.init().name()),
                lora.targetModulesRegex(),
                lora.freezeA(),
                lora.loraPlusRatio(),
                lora.taskType(),
                config.continueFromServing()
                        ? LoraTrainingConfig.Continuation.CONTINUE
                        : LoraTrainingConfig.Continuation.RETRAIN_FROM_BASE);
    }

    private static List<AdapterFile> files(Path dir) throws IOException {
        List<AdapterFile> files = new ArrayList<>();
        for (String name : List.of(AdapterFile.PEFT_CONFIG, AdapterFile.PEFT_WEIGHTS)) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "the round's PEFT folder has no " + name);
            }
            files.add(new AdapterFile(name, Files.readAllBytes(file)));
        }
        return files;
    }
}
