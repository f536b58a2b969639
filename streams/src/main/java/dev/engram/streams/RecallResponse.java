package dev.engram.streams;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Optional;

/**
 * The node's answer to {@code POST /v1/tenants/{tenant}/recall}: the one model of a recall, written
 * by the node's HTTP API and read by the SDK ({@code EngramClient.recall} returns it; hand it to
 * {@code Feedback.forRecall} after acting, so the feedback names the cases that were recalled).
 *
 * @param tenant the tenant asked
 * @param task the task asked about
 * @param k how many cases were asked for
 * @param mode how the node searched: {@code "hybrid"} (BM25 + vectors), {@code "bm25"} or {@code "dense"}
 * @param adapterVersion the retriever adapter that served the recall, e.g. {@code "base"} or the
 *     adapter's version as the node names it
 * @param tookMs the node's time for it
 * @param positives cases worth repeating, best first; never null
 * @param negatives cases that show what did not work; never null
 * @param ranked all recalled cases, best first, each with its {@link RecalledCase#rank()}; never null
 * @param fallbackFrom the adapter version that failed to embed the task, when the node fell back
 *     from it to {@code adapterVersion} (its parent or the base); null otherwise
 */
public record RecallResponse(
        String tenant,
        String task,
        int k,
        String mode,
        String adapterVersion,
        double tookMs,
        List<RecalledCase> positives,
        List<RecalledCase> negatives,
        List<RecalledCase> ranked,
        @JsonInclude(JsonInclude.Include.NON_NULL) String fallbackFrom) {

    public RecallResponse {
        positives = positives == null ? List.of() : List.copyOf(positives);
        negatives = negatives == null ? List.of() : List.copyOf(negatives);
        ranked = ranked == null ? List.of() : List.copyOf(ranked);
    }

    /** A response without a fallback. */
    public RecallResponse(
            String tenant,
            String task,
            int k,
            String mode,
            String adapterVersion,
            double tookMs,
            List<RecalledCase> positives,
            List<RecalledCase> negatives,
            List<RecalledCase> ranked) {
        this(tenant, task, k, mode, adapterVersion, tookMs, positives, negatives, ranked, null);
    }

    /** The recalled case with this id, if it was recalled. */
    public Optional<RecalledCase> find(String caseId) {
        return ranked.stream().filter(c -> c.caseId().equals(caseId)).findFirst();
    }
}
