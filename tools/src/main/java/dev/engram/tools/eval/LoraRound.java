package dev.engram.tools.eval;

/**
 * What one seed's query-side LoRA round cost.
 *
 * @param seed the seed (also the trainer's)
 * @param examples (task, useful case) training examples
 * @param steps optimiser steps
 * @param seconds wall time of the round
 * @param firstLoss mean loss of the first tenth of the steps
 * @param lastLoss mean loss of the last tenth
 */
public record LoraRound(long seed, int examples, long steps, double seconds, double firstLoss, double lastLoss) {}
