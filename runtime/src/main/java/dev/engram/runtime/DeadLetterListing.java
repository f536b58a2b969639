package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The node's answer to {@code GET /v1/dead-letters}: the newest matching dead letters, newest first.
 *
 * @param deadLetters the letters
 * @param scanned letters read from the end of the topic to find them (the node reads a bounded number)
 * @param total letters the topic holds now
 * @param unreadable scanned records that were not dead letters the node can read
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DeadLetterListing(List<DeadLetterInfo> deadLetters, long scanned, long total, long unreadable) {

    public DeadLetterListing {
        deadLetters = deadLetters == null ? List.of() : List.copyOf(deadLetters);
    }
}
