package dev.engram.agentmodel;

import java.time.Duration;

/**
 * How a training run of {@link AgentAdapterTrainer} went.
 *
 * @param examples how many examples it trained on
 * @param steps optimiser steps done
 * @param firstLoss the first step's loss (mean NLL of that batch's plan tokens)
 * @param lastLoss the last step's loss
 * @param elapsed wall time of the run
 */
public record TrainingSummary(int examples, long steps, double firstLoss, double lastLoss, Duration elapsed) {}
