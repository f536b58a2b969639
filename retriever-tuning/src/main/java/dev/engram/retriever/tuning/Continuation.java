package dev.engram.retriever.tuning;

/**
 * How a tuning round continues from the tenant's serving adapter: the strategy that keeps rounds
 * improving instead of overfitting their newest feedback. Each constant says where the round's
 * adapter starts, which examples it sees and how hard it trains; {@link ContrastiveTrainer} applies
 * it, and a node's training job carries it (by constant name) so that its worker trains the same way.
 *
 * <pre>{@code
 * TuningConfig config = TuningConfig.builder().continuation(Continuation.RETRAIN_FROM_BASE).build();
 * trainer.train(tenant, newExamples, olderExamples, serving, listener);   // fresh adapter on all of them
 * }</pre>
 */
public enum Continuation {
    /**
     * Start a fresh adapter ({@code B = 0}) from the base model each round and train it on all the
     * judged feedback so far: the round's new examples plus the whole replay pool, at the configured
     * learning rate and epochs. The serving adapter is used only as the version to beat.
     */
    RETRAIN_FROM_BASE(false, false, 1, 1),
    /**
     * Keep training a copy of the serving adapter on the round's new examples plus a replay sample
     * of older ones, at the configured learning rate and epochs (how rounds continued before the
     * strategies existed; a second round overfits its new feedback).
     */
    CONTINUE(true, false, 1, 1),
    /**
     * Keep training a copy of the serving adapter, on the round's new examples plus a replay
     * sample, at {@value #GENTLE_LEARNING_RATE_FACTOR} × the learning rate and half the epochs (at
     * least one): small steps away from what already serves. A first round (no serving adapter)
     * trains as configured.
     */
    CONTINUE_LOW_LR(true, false, Continuation.GENTLE_LEARNING_RATE_FACTOR, 0.5),
    /**
     * PeriodicLoRA / Chain of LoRA: fold a copy of the serving adapter into the working weights and
     * train a fresh one on top, on the round's new examples plus a replay sample, at the configured
     * learning rate and epochs; the saved adapter still applies to the original base.
     */
    PERIODIC_MERGE(true, true, 1, 1);

    /** The strategy a round uses unless told otherwise: the best of the four measured by {@code engram eval}. */
    public static final Continuation DEFAULT = RETRAIN_FROM_BASE;

    /** {@link #CONTINUE_LOW_LR}'s learning-rate factor. */
    public static final double GENTLE_LEARNING_RATE_FACTOR = 0.3;

    private final boolean startsFromServing;
    private final boolean mergesServing;
    private final double learningRateFactor;
    private final double epochsFactor;

    Continuation(boolean startsFromServing, boolean mergesServing, double learningRateFactor, double epochsFactor) {
        this.startsFromServing = startsFromServing;
        this.mergesServing = mergesServing;
        this.learningRateFactor = learningRateFactor;
        this.epochsFactor = epochsFactor;
    }

    /** Whether a round starts from (a copy of) the serving adapter rather than a fresh one. */
    public boolean startsFromServing() {
        return startsFromServing;
    }

    /** Whether the serving adapter is folded in and a fresh adapter trained on top (PeriodicLoRA). */
    public boolean mergesServing() {
        return mergesServing;
    }

    /** Whether a round trains on every older example rather than a replay sample of them. */
    public boolean seesAllFeedback() {
        return !startsFromServing;
    }

    /** The round's peak learning rate for a configured one, when it continues from a serving adapter. */
    public double learningRate(double configured, boolean hasServing) {
        return hasServing ? configured * learningRateFactor : configured;
    }

    /** The round's epochs for configured ones, when it continues from a serving adapter. */
    public int epochs(int configured, boolean hasServing) {
        return hasServing ? Math.max(1, (int) Math.round(configured * epochsFactor)) : configured;
    }
}
