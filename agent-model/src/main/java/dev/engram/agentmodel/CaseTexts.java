package dev.engram.agentmodel;

import java.util.Optional;

/**
 * Looks up a remembered case's text (task, plan and outcome, as the case memory stores it) by id,
 * within one tenant. The worker passes its case store's lookup; tests pass a map.
 *
 * <pre>{@code
 * CaseTexts texts = (tenant, caseId) -> store.get(tenant, caseId).map(Case::text);
 * }</pre>
 */
@FunctionalInterface
public interface CaseTexts {

    /** The case's text, or empty when the tenant has no such case. */
    Optional<String> text(String tenant, String caseId);
}
