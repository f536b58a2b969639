package dev.engram.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CranfieldEventsTest {

    private static final Instant T = Instant.parse("2025-01-02T03:04:05Z");

    @Test
    void anAbstractBecomesAValidEventWithAFixedId() {
        Document doc = new Document("12", "laminar flow", "an experimental study of laminar flow .");
        FeedbackEvent event = CranfieldEvents.event(doc, T);
        assertThat(event.eventId()).isEqualTo("cran-12");
        assertThat(event.tenant()).isEqualTo("cranfield");
        assertThat(event.agentId()).isEqualTo("cranfield-loader");
        assertThat(event.task()).isEqualTo("laminar flow\nan experimental study of laminar flow .");
        assertThat(event.plan()).isEmpty();
        assertThat(event.outcome()).isEmpty();
        assertThat(event.reward()).isEqualTo(1.0);
        assertThat(event.retrieved()).isEmpty();
        assertThat(event.timestamp()).isEqualTo(T);
        // what goes on the wire comes back the same
        assertThat(EventCodec.decodeFeedback(EventCodec.encode(event))).isEqualTo(event);
        // a rerun makes the same event id, so the node keeps one case per abstract
        assertThat(CranfieldEvents.event(doc, T.plusSeconds(60)).eventId()).isEqualTo(event.eventId());
    }

    @Test
    void everyCranfieldAbstractMakesAValidEventWithADistinctId() {
        EvalDataset cranfield = CranfieldLoader.load();
        Set<String> ids = new HashSet<>();
        for (Document doc : cranfield.docs()) {
            FeedbackEvent event = CranfieldEvents.event(doc, T); // throws when a field is invalid
            ids.add(event.eventId());
            assertThat(CranfieldEvents.docId(event.eventId())).isEqualTo(doc.id());
        }
        assertThat(ids).hasSize(1400);
    }

    @Test
    void emptyRecordsGetATaskThatSaysSo() {
        // Cranfield 471 and 995 have no title and no text; a task is required.
        FeedbackEvent event = CranfieldEvents.event(new Document("471", "", ""), T);
        assertThat(event.task()).isEqualTo("(Cranfield record 471 is empty in the collection)");
    }

    @Test
    void caseIdsMapBackToDocumentIds() {
        assertThat(List.of("cran-1", "cran-1400").stream().map(CranfieldEvents::docId))
                .containsExactly("1", "1400");
        assertThatThrownBy(() -> CranfieldEvents.docId("evt-1")).hasMessageContaining("not a Cranfield case id");
        assertThatThrownBy(() -> CranfieldEvents.docId("cran-")).hasMessageContaining("not a Cranfield case id");
    }
}
