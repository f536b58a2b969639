package dev.engram.agentmodel;

/**
 * A finished training run with its adapter still open, for a caller that scores or saves it
 * ({@code adapted().lora().save(dir)}). Closing releases the adapter.
 *
 * @param adapted the base model with the trained adapter applied
 * @param summary how the run went
 */
public record AgentTraining(AdaptedModel adapted, TrainingSummary summary) implements AutoCloseable {

    @Override
    public void close() {
        adapted.close();
    }
}
