package dev.engram.tools.simulator;

import dev.engram.memory.Episode;
import dev.engram.node.ingest.FeedbackDecoder;
import dev.engram.streams.FeedbackEvent;
import java.util.List;

/**
 * The feedback events of one tenant that {@link StreamFeedbackReader} found on the topic.
 *
 * @param events the matching events, first occurrence of each event id, in offset order per partition
 * @param recordsScanned every record read, of any tenant
 * @param duplicates matching records dropped because their event id came earlier (as the node does)
 * @param undecodable records that were not valid feedback events (skipped; the node dead-letters them)
 */
public record StreamFeedback(List<FeedbackEvent> events, long recordsScanned, long duplicates, long undecodable) {

    public StreamFeedback {
        if (events == null) {
            throw new IllegalArgumentException("streamFeedback.events is required");
        }
        events = List.copyOf(events);
        if (recordsScanned < 0 || duplicates < 0 || undecodable < 0) {
            throw new IllegalArgumentException("streamFeedback counts must be >= 0, were " + recordsScanned + ", "
                    + duplicates + ", " + undecodable);
        }
    }

    /** The events as the episodes the node applied, with their judgements: what training consumes. */
    public List<Episode> episodes() {
        return events.stream().map(FeedbackDecoder::toEpisode).toList();
    }
}
