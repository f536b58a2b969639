package dev.engram.memory.internal;

import dev.engram.memory.Case;
import java.util.Map;
import java.util.Objects;

/** A case as its document holds it: the case, its counters and its vectors by generation. */
public record StoredCase(Case kase, CaseCounters counters, Map<Integer, float[]> vectorsByGeneration) {
    public StoredCase {
        Objects.requireNonNull(kase, "kase");
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(vectorsByGeneration, "vectorsByGeneration");
    }
}
