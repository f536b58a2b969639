package dev.engram.streams;

import java.time.Instant;
import java.util.List;

/** Valid events to start tests from. */
public final class SampleEvents {

    static final Instant AT = Instant.parse("2025-01-31T12:00:00.123456789Z");

    private SampleEvents() {}

    public static FeedbackEvent feedback(String eventId, String tenant) {
        return FeedbackEvent.of(
                eventId,
                tenant,
                "agent-7",
                AT,
                "refund a damaged order for " + eventId,
                "checked the photo, issued a refund",
                "customer satisfied",
                0.75,
                List.of(
                        new RetrievedCase("case-42", 1, true),
                        new RetrievedCase("case-7", 2, null),
                        new RetrievedCase("case-9", 3, false)));
    }

    public static FeedbackEvent feedback() {
        return feedback("evt-1", "acme");
    }
}
