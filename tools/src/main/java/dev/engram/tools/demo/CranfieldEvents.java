package dev.engram.tools.demo;

import dev.engram.retriever.eval.Document;
import dev.engram.streams.FeedbackEvent;
import java.time.Instant;
import java.util.List;

/**
 * How the demo turns Cranfield abstracts into feedback events, and case ids back into document ids.
 *
 * <p>Each abstract becomes one event of tenant {@value #TENANT} from agent {@value #AGENT_ID}, with
 * event id {@code cran-<docId>} (fixed, so a rerun is idempotent: the node keeps one case per id),
 * the title and abstract as the task, and reward 1.0. Two Cranfield records (471 and 995) are empty;
 * as a task is required, their task says so, and they stay in the memory so that ids stay 1..1400.
 *
 * <pre>{@code
 * FeedbackEvent e = CranfieldEvents.event(doc, Instant.now());   // e.eventId() = "cran-12"
 * CranfieldEvents.docId("cran-12");                              // "12"
 * }</pre>
 */
public final class CranfieldEvents {

    /** The tenant that holds the Cranfield cases. */
    public static final String TENANT = "cranfield";
    /** The agent id on every Cranfield event. */
    public static final String AGENT_ID = "cranfield-loader";
    /** The prefix of every Cranfield event id, and so of every case id. */
    public static final String EVENT_ID_PREFIX = "cran-";

    private CranfieldEvents() {}

    /** The feedback event that records a Cranfield abstract as a case of {@value #TENANT}. */
    public static FeedbackEvent event(Document doc, Instant timestamp) {
        return event(TENANT, doc, timestamp);
    }

    /** The feedback event that records a Cranfield abstract as a case of {@code tenant}. */
    public static FeedbackEvent event(String tenant, Document doc, Instant timestamp) {
        return FeedbackEvent.of(eventId(doc.id()), tenant, AGENT_ID, timestamp, task(doc), null, null, 1.0, List.of());
    }

    /** The event id (and so the case id) of a document: {@code cran-<docId>}. */
    public static String eventId(String docId) {
        return EVENT_ID_PREFIX + docId;
    }

    /**
     * The document id of a Cranfield case id.
     *
     * @throws IllegalArgumentException when the case id is not a Cranfield one
     */
    public static String docId(String caseId) {
        if (caseId == null || !caseId.startsWith(EVENT_ID_PREFIX) || caseId.length() == EVENT_ID_PREFIX.length()) {
            throw new IllegalArgumentException(
                    "case id '" + caseId + "' is not a Cranfield case id (" + EVENT_ID_PREFIX + "<docId>)");
        }
        return caseId.substring(EVENT_ID_PREFIX.length());
    }

    /** Title and abstract on separate lines; for the empty records, a line that says so. */
    static String task(Document doc) {
        String text = doc.fullText();
        return text.isBlank() ? "(Cranfield record " + doc.id() + " is empty in the collection)" : text;
    }
}
