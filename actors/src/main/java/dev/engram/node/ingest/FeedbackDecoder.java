package dev.engram.node.ingest;

import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.EventLimits;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.RetrievedCase;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decodes and validates one record of {@code engram.feedback}. It never throws for bad input: a
 * record that cannot become an {@link Episode} becomes a {@link DeadLetter} that keeps the original
 * bytes, the topic/partition/offset and the reason (which names the field), so that one poison
 * record cannot stop its partition.
 *
 * <p>In the {@link FeedbackTopicLayout#PER_TENANT per-tenant topic layout} a record must also come
 * from its own tenant's topic: Kafka's ACLs say who may write {@code engram.feedback.acme}, not
 * what they write there, so an event on {@code engram.feedback.acme} that claims tenant
 * {@code globex} is dead-lettered (reason {@code "tenant: ..."}), never stored in globex's memory.
 */
public final class FeedbackDecoder {

    private final Clock clock;
    private final FeedbackTopicLayout layout;

    /** A decoder for the {@link FeedbackTopicLayout#SHARED shared} layout: any tenant on any topic. */
    public FeedbackDecoder(Clock clock) {
        this(clock, FeedbackTopicLayout.SHARED);
    }

    /** A decoder that checks, in the per-tenant layout, that each event's tenant is its topic's. */
    public FeedbackDecoder(Clock clock, FeedbackTopicLayout layout) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /** The record as an episode, or as a dead letter with the reason. */
    public DecodedRecord decode(SourceRecord record) {
        FeedbackEvent event;
        try {
            event = EventCodec.decodeFeedback(record.value());
        } catch (InvalidEventException e) {
            return invalid(record, e.getMessage()); // "field: why"
        } catch (RuntimeException e) {
            return invalid(record, "undecodable feedback event: " + e);
        }
        if (layout == FeedbackTopicLayout.PER_TENANT) {
            String topicTenant = layout.tenantOf(record.topic()).orElse(null);
            if (!event.tenant().equals(topicTenant)) {
                return invalid(
                        record,
                        "tenant: the event claims tenant '" + event.tenant() + "' but arrived on "
                                + record.topic()
                                + (topicTenant == null
                                        ? ", which is no tenant's feedback topic"
                                        : ", which only tenant '" + topicTenant + "' may write")
                                + " (per-tenant topic layout: send it to " + layout.topicFor(event.tenant()) + ")");
            }
        }
        try {
            return new DecodedRecord.Valid(record, toEpisode(event));
        } catch (RuntimeException e) {
            return invalid(record, "feedback event does not make a valid episode: " + e.getMessage());
        }
    }

    /** A dead letter for a record that the case store rejected. */
    public DeadLetter rejected(SourceRecord record, String reason) {
        return deadLetter(record, reason);
    }

    /** The episode a feedback event records: the event id becomes the case id. */
    public static Episode toEpisode(FeedbackEvent event) {
        List<Judgement> judgements = new ArrayList<>();
        if (event.retrieved() != null) {
            for (RetrievedCase rc : event.retrieved()) {
                judgements.add(new Judgement(rc.caseId(), rc.rank(), rc.useful()));
            }
        }
        return new Episode(
                event.eventId(),
                event.tenant(),
                event.agentId(),
                event.timestamp(),
                event.task(),
                event.plan(),
                event.outcome(),
                event.reward(),
                judgements);
    }

    /**
     * The feedback event that records {@code episode}: the inverse of {@link #toEpisode}, so that
     * whatever keeps episodes (the judged-feedback log) stores the event's own JSON and a field added
     * to the event cannot be lost there.
     */
    public static FeedbackEvent toEvent(Episode episode) {
        List<RetrievedCase> retrieved = new ArrayList<>();
        for (Judgement j : episode.judgements()) {
            retrieved.add(new RetrievedCase(j.caseId(), j.rank(), j.useful()));
        }
        return FeedbackEvent.of(
                episode.eventId(),
                episode.tenant(),
                episode.agentId(),
                episode.timestamp(),
                episode.task(),
                episode.plan(),
                episode.outcome(),
                episode.reward(),
                retrieved.isEmpty() ? null : retrieved);
    }

    private DecodedRecord invalid(SourceRecord record, String reason) {
        return new DecodedRecord.Invalid(record, deadLetter(record, reason));
    }

    private DeadLetter deadLetter(SourceRecord record, String reason) {
        byte[] original = record.value() == null ? new byte[0] : record.value();
        String why = reason == null || reason.isBlank() ? "invalid record" : reason;
        if (why.length() > EventLimits.MAX_REASON_CHARS) {
            why = why.substring(0, EventLimits.MAX_REASON_CHARS - 3) + "...";
        }
        return new DeadLetter(
                record.topic(), record.partition(), record.offset(), record.key(), original, why, clock.instant());
    }
}
