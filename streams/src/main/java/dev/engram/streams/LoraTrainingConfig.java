package dev.engram.streams;

import dev.engram.streams.internal.ChunkChecks;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The LoRA adapter shape and training settings of a {@link TrainingJob}, carried again on the
 * {@link AdapterPublished} it produced. Names follow PEFT and the adapter-trainer's
 * {@code LoraConfig} / the retriever's {@code TuningConfig}, so a worker maps them one to one.
 *
 * <pre>{@code
 * LoraTrainingConfig config = LoraTrainingConfig.defaults();                 // r 8 on query/value
 * LoraTrainingConfig bigger = new LoraTrainingConfig(16, 32, 0.05, List.of("all-linear"),
 *     true, false, 1, 32, 2e-4, 7, 256);
 * }</pre>
 *
 * @param r LoRA rank, in [1, 256]
 * @param alpha {@code lora_alpha}, finite and > 0 (output scaled by alpha / r, or alpha / √r)
 * @param dropout adapter-input dropout while training, in [0, 1)
 * @param targetModules which modules to wrap, PEFT list semantics (a path matches an entry when it
 *     equals it or ends with "." + entry; {@code "all-linear"} alone wraps every linear layer);
 *     1 to 32 names of {@code [A-Za-z0-9._-]}
 * @param useRslora rank-stabilised scaling alpha / √r
 * @param useDora DoRA: a learned magnitude per output row
 * @param epochs passes over the job's examples, in [1, 100]
 * @param batchSize examples per step, in [2, 4096] (in-batch negatives need two)
 * @param learningRate peak learning rate, finite, in (0, 1]
 * @param seed seeds initialisation, example order and dropout, so a retried job trains the same way
 * @param maxLength word pieces per text while training, in [8, 8192]
 */
public record LoraTrainingConfig(
    int r,
    double alpha,
    double dropout,
    List<String> targetModules,
    boolean useRslora,
    boolean useDora,
    int epochs,
    int batchSize,
    double learningRate,
    long seed,
    int maxLength) {

  private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  public LoraTrainingConfig {
    if (r < 1 || r > 256) {
      throw new InvalidEventException("r", "must be in [1, 256], was " + r);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new InvalidEventException("alpha", "must be a finite number > 0, was " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new InvalidEventException("dropout", "must be in [0, 1), was " + dropout);
    }
    targetModules = ChunkChecks.list("targetModules", targetModules, 1, 32);
    for (int i = 0; i < targetModules.size(); i++) {
      ChunkChecks.requireMatch("targetModules[" + i + "]", targetModules.get(i), MODULE,
          "a module name of 1-128 [A-Za-z0-9._-], e.g. 'query'");
    }
    if (new HashSet<>(targetModules).size() != targetModules.size()) {
      throw new InvalidEventException("targetModules", "must not name a module twice, was " + targetModules);
    }
    if (targetModules.contains("all-linear") && targetModules.size() > 1) {
      throw new InvalidEventException("targetModules", "\"all-linear\" must be the only entry, was "
          + targetModules);
    }
    if (epochs < 1 || epochs > 100) {
      throw new InvalidEventException("epochs", "must be in [1, 100], was " + epochs);
    }
    if (batchSize < 2 || batchSize > 4096) {
      throw new InvalidEventException("batchSize", "must be in [2, 4096], was " + batchSize);
    }
    if (!(learningRate > 0 && learningRate <= 1)) {
      throw new InvalidEventException("learningRate", "must be in (0, 1], was " + learningRate);
    }
    if (maxLength < 8 || maxLength > 8192) {
      throw new InvalidEventException("maxLength", "must be in [8, 8192], was " + maxLength);
    }
  }

  /**
   * The settings measured on Cranfield: r 8, alpha 16, dropout 0.1 on {@code query} and
   * {@code value}, no rsLoRA/DoRA, 4 epochs of batch 32 at 5e-4, seed 42, 128 word pieces.
   */
  public static LoraTrainingConfig defaults() {
    return new LoraTrainingConfig(8, 16, 0.1, List.of("query", "value"), false, false, 4, 32, 5e-4, 42, 128);
  }
}
