package dev.engram.tools.eval;

import dev.engram.retriever.tuning.Continuation;

/**
 * What one query-side LoRA round cost.
 *
 * @param seed the seed (also the trainer's)
 * @param continuation the strategy it ran with
 * @param continuedFromServing whether it started from the serving adapter's weights
 * @param learningRate the peak learning rate it trained at
 * @param epochs its passes over the examples
 * @param examples (task, useful case) training examples of the round's new feedback
 * @param olderExamples older examples it also trained on (all of them, or a replay sample)
 * @param steps optimiser steps
 * @param seconds wall time of the round
 * @param firstLoss mean loss of the first tenth of the steps
 * @param lastLoss mean loss of the last tenth
 */
public record LoraRound(
        long seed,
        Continuation continuation,
        boolean continuedFromServing,
        double learningRate,
        int epochs,
        int examples,
        int olderExamples,
        long steps,
        double seconds,
        double firstLoss,
        double lastLoss) {}
