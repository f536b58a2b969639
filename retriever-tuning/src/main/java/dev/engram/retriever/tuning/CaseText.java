package dev.engram.retriever.tuning;

import dev.engram.memory.Case;

/**
 * A case as the encoder sees it: its id (to tell duplicates and known positives apart inside a
 * batch) and its text ({@link Case#text()}: task, plan and outcome).
 *
 * @param caseId the case's id; required
 * @param text what is embedded; required, not blank
 */
public record CaseText(String caseId, String text) {

    public CaseText {
        if (caseId == null || caseId.isBlank()) {
            throw new IllegalArgumentException("caseText.caseId is required and must not be blank");
        }
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(
                    "caseText.text of case " + caseId + " is required and must not be blank");
        }
    }

    /** The case's id and {@link Case#text()}. */
    public static CaseText of(Case c) {
        return new CaseText(c.caseId(), c.text());
    }
}
