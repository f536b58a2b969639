package dev.engram.agentmodel;

import java.nio.file.Path;

/**
 * What one {@link AgentModelRound} did and measured.
 *
 * @param examples what the tenant's episodes gave (and what was left out, and why)
 * @param trainExamples examples trained on
 * @param heldOutExamples examples the gate scored
 * @param training how the training run went
 * @param verdict the gate's decision (candidate vs serving on the held-out plans)
 * @param adapterDir where the candidate was written (PEFT layout), promoted or not
 */
public record RoundReport(
        ExampleSet examples,
        int trainExamples,
        int heldOutExamples,
        TrainingSummary training,
        PlanLossVerdict verdict,
        Path adapterDir) {}
