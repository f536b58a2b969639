package dev.engram.node.ops;

/**
 * One point of a training job's loss curve, as its worker reported it.
 *
 * @param step optimizer steps done
 * @param loss the training loss at that step
 */
public record LossPoint(long step, double loss) {}
