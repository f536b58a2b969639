package dev.engram.agentmodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.engram.adapters.AdapterTrainer;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraModel;
import dev.engram.adapters.TrainingConfig;
import dev.engram.adapters.TrainingListener;
import dev.engram.adapters.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Trains a LoRA adapter for a {@link LlamaModel} on supervised examples with the adapter-trainer
 * core (every LoRA variant it supports: rsLoRA, DoRA, OLoRA, LoRA-FA, LoRA+, PeriodicLoRA) and
 * writes it in PEFT layout, so vLLM, LoRAX and PEFT load it unchanged:
 * {@code adapter_config.json} ({@code peft_type} LORA, {@code task_type} CAUSAL_LM,
 * {@code base_model_name_or_path}, {@code target_modules}, {@code r}, {@code lora_alpha}) and
 * {@code adapter_model.safetensors} with tensors named like
 * {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}.
 *
 * <pre>{@code
 * AgentAdapterTrainer trainer = new AgentAdapterTrainer(
 *         AgentAdapterTrainer.defaultLora("HuggingFaceTB/SmolLM2-135M"),
 *         TrainingConfig.builder().learningRate(2e-4).totalSteps(200).batchSize(8).build(), 8);
 * TrainingSummary summary = trainer.train(model, examples, Path.of("adapters/acme-v3"));
 * }</pre>
 *
 * <p>One training runs per JVM at a time (DESIGN.md, DJL pitfall 3). Steps visit the examples in a
 * seeded shuffle, {@code batchSize} at a time, so the same seed gives the same adapter.
 */
public final class AgentAdapterTrainer {

    /** Attention projections: the usual LoRA targets for a Llama model. */
    public static final List<String> ATTENTION_MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj");
    /** Attention and SwiGLU projections. */
    public static final List<String> ALL_PROJECTIONS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    /** PEFT's task type of a causal language model adapter. */
    public static final String TASK_TYPE = "CAUSAL_LM";

    private final LoraConfig lora;
    private final TrainingConfig training;
    private final int batchSize;
    private final TrainingListener listener;
    private final Clock clock;

    public AgentAdapterTrainer(
            LoraConfig lora, TrainingConfig training, int batchSize, TrainingListener listener, Clock clock) {
        this.lora = Objects.requireNonNull(lora, "lora");
        if (!TASK_TYPE.equals(lora.taskType())) {
            throw new IllegalArgumentException(
                    "lora.taskType must be " + TASK_TYPE + " for an agent-model adapter, was " + lora.taskType()
                            + " (start from AgentAdapterTrainer.defaultLora)");
        }
        this.training = Objects.requireNonNull(training, "training");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
        }
        this.batchSize = batchSize;
        this.listener = listener == null ? TrainingListener.NONE : listener;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public AgentAdapterTrainer(LoraConfig lora, TrainingConfig training, int batchSize) {
        this(lora, training, batchSize, TrainingListener.NONE, Clock.systemUTC());
    }

    /** r 8, alpha 16, dropout 0.05 on the attention projections, task type CAUSAL_LM. */
    public static LoraConfig defaultLora(String baseModelName) {
        return LoraConfig.builder()
                .r(8)
                .alpha(16)
                .dropout(0.05)
                .targetModules(ATTENTION_MODULES)
                .baseModelName(baseModelName)
                .taskType(TASK_TYPE)
                .build();
    }

    /**
     * Trains a fresh adapter on {@code examples} and writes it to {@code outDir} in PEFT layout.
     * The base model's weights are never written to.
     *
     * @throws IllegalArgumentException when there are no examples or the targets match no projection
     */
    public TrainingSummary train(LlamaModel base, List<SftExample> examples, Path outDir) throws IOException {
        try (AgentTraining run = fit(base, examples)) {
            run.adapted().lora().save(outDir);
            return run.summary();
        }
    }

    /** Trains a fresh adapter and hands it back open (the caller closes it). */
    public AgentTraining fit(LlamaModel base, List<SftExample> examples) throws IOException {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to train on: the tenant has no successful episodes"
                    + " with a plan (see ExampleSet's counts)");
        }
        List<SftBatch> batches = batches(examples);
        NDManager manager =
                base.baseLinears().values().iterator().next().weight().getManager();
        double[] first = {Double.NaN};
        TrainingListener watch = progress -> {
            if (Double.isNaN(first[0])) {
                first[0] = progress.loss();
            }
            listener.onProgress(progress);
        };
        LoraModel adapter = LoraModel.attach(base.baseLinears(), lora, manager, training.seed());
        try {
            LlamaModel tuned = base.withLinears(adapter.layers());
            adapter.setTraining(true);
            TrainingResult result = new AdapterTrainer(training, watch, clock)
                    .fit(adapter.trainableParameters(), (step, index) -> {
                        SftBatch batch = batches.get((int) (index % batches.size()));
                        NDArray logits = tuned.logits(step, batch.inputs(), true);
                        return CausalLmLoss.mean(step, logits, batch);
                    });
            adapter.setTraining(false);
            return new AgentTraining(
                    new AdaptedModel(tuned, adapter),
                    new TrainingSummary(
                            examples.size(), result.stepsDone(), first[0], result.lastLoss(), result.elapsed()));
        } catch (IOException | RuntimeException e) {
            adapter.close();
            throw e;
        }
    }

    private List<SftBatch> batches(List<SftExample> examples) {
        List<SftExample> order = new ArrayList<>(examples);
        Collections.shuffle(order, new Random(training.seed()));
        List<SftBatch> batches = new ArrayList<>();
        for (int from = 0; from < order.size(); from += batchSize) {
            batches.add(SftBatch.of(order.subList(from, Math.min(order.size(), from + batchSize)), PlanLoss.PAD_ID));
        }
        return batches;
    }
}
