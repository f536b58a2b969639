package dev.engram.retriever.tuning;

import java.time.Duration;
import java.util.List;

/**
 * What a tuning round produced and what it cost.
 *
 * @param adapter the tenant's new adapter (the caller owns it and closes it)
 * @param continuation the strategy the round ran with
 * @param continuedFromServing whether it started from the serving adapter's weights (a fresh
 *     adapter otherwise: a first round, or {@link Continuation#RETRAIN_FROM_BASE})
 * @param learningRate the peak learning rate it trained at
 * @param epochs the passes over its examples
 * @param newExamples examples of this round's feedback
 * @param replayedExamples older examples mixed in
 * @param steps optimiser steps done
 * @param losses the loss of every step, in order
 * @param embeddingTime time spent embedding case texts with the frozen base (query-side mode)
 * @param trainingTime time spent in the optimiser loop
 */
public record TuningRound(
        TenantAdapter adapter,
        Continuation continuation,
        boolean continuedFromServing,
        double learningRate,
        int epochs,
        int newExamples,
        int replayedExamples,
        long steps,
        List<Double> losses,
        Duration embeddingTime,
        Duration trainingTime) {

    public TuningRound {
        losses = List.copyOf(losses);
    }

    /** Mean loss over the first {@code fraction} of the steps (e.g. 0.1 for the first tenth). */
    public double meanLossOfFirst(double fraction) {
        int n = Math.max(1, (int) Math.round(losses.size() * fraction));
        return losses.subList(0, Math.min(n, losses.size())).stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElse(Double.NaN);
    }

    /** Mean loss over the last {@code fraction} of the steps. */
    public double meanLossOfLast(double fraction) {
        int n = Math.max(1, (int) Math.round(losses.size() * fraction));
        return losses.subList(Math.max(0, losses.size() - n), losses.size()).stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElse(Double.NaN);
    }

    /** Embedding plus training time. */
    public Duration elapsed() {
        return embeddingTime.plus(trainingTime);
    }
}
