package dev.engram.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.Topics;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** In the per-tenant layout a record must come from its own tenant's topic; the shared layout takes any tenant. */
class FeedbackDecoderTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private static SourceRecord record(String topic, String tenant) {
        FeedbackEvent e = FeedbackEvent.of(
                "e-1", tenant, "agent", Instant.parse("2026-01-01T00:00:00Z"), "task", "", "", 0.5, null);
        return new SourceRecord(topic, 0, 7, tenant, EventCodec.encode(e));
    }

    @Test
    void perTenantTopicsAcceptTheirOwnTenantOnly() {
        FeedbackDecoder decoder = new FeedbackDecoder(CLOCK, FeedbackTopicLayout.PER_TENANT);
        assertThat(decoder.decode(record("engram.feedback.acme", "acme"))).isInstanceOf(DecodedRecord.Valid.class);

        DecodedRecord forged = decoder.decode(record("engram.feedback.acme", "globex"));
        assertThat(forged).isInstanceOf(DecodedRecord.Invalid.class);
        String reason = ((DecodedRecord.Invalid) forged).deadLetter().reason();
        assertThat(reason)
                .startsWith("tenant:")
                .contains("'globex'", "engram.feedback.acme", "'acme'", "engram.feedback.globex");

        DecodedRecord shared = decoder.decode(record(Topics.FEEDBACK, "acme"));
        assertThat(shared).as("no tenant's topic").isInstanceOf(DecodedRecord.Invalid.class);
    }

    @Test
    void theSharedTopicTrustsItsProducers() {
        FeedbackDecoder decoder = new FeedbackDecoder(CLOCK);
        assertThat(decoder.decode(record(Topics.FEEDBACK, "globex"))).isInstanceOf(DecodedRecord.Valid.class);
    }
}
