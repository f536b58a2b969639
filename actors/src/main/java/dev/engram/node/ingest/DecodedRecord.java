package dev.engram.node.ingest;

import dev.engram.memory.Episode;
import dev.engram.streams.DeadLetter;
import java.util.Objects;

/** A source record after decoding: an {@link Episode} to store, or a {@link DeadLetter} saying why not. */
public interface DecodedRecord {

    /** The record that was decoded. */
    SourceRecord source();

    /** A valid feedback event, as the episode to store. */
    record Valid(SourceRecord source, Episode episode) implements DecodedRecord {
        public Valid {
            Objects.requireNonNull(source, "valid.source is required");
            Objects.requireNonNull(episode, "valid.episode is required");
        }
    }

    /** An invalid record and its dead letter. */
    record Invalid(SourceRecord source, DeadLetter deadLetter) implements DecodedRecord {
        public Invalid {
            Objects.requireNonNull(source, "invalid.source is required");
            Objects.requireNonNull(deadLetter, "invalid.deadLetter is required");
        }
    }
}
