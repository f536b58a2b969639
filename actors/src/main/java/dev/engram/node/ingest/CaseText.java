package dev.engram.node.ingest;

import dev.engram.streams.CaseVector;

/**
 * A case waiting for its vector: who it belongs to and the text its vector is made of
 * ({@link BatchWriter#caseText}).
 */
public record CaseText(String tenant, String caseId, String text) {

    /** The case's key on the vector changelog, {@link CaseVector#key(String, String)}. */
    public String key() {
        return CaseVector.key(tenant, caseId);
    }
}
