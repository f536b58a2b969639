package dev.engram.retriever.tuning;

/** How an incremental tuning round starts from the tenant's current adapter. */
public enum RoundStart {
    /** Keep training a copy of the current adapter (the default). */
    CONTINUE,
    /**
     * PeriodicLoRA / Chain of LoRA: fold a copy of the current adapter into the working weights and
     * train a fresh one on top; the saved adapter still applies to the original base.
     */
    MERGE_AND_RESTART
}
