package dev.engram.node.ops;

import java.util.List;

/**
 * The answer of {@code GET /v1/dead-letters}: the newest matching dead letters, newest first, and
 * how much of the topic was looked at to find them.
 *
 * @param deadLetters at most the request's limit, newest first
 * @param scanned dead letters read from the end of the topic (at most {@link DeadLetterReader#MAX_SCAN})
 * @param total dead letters the topic holds now (its retention decides how far back that goes)
 * @param unreadable records among the scanned ones that are not dead letters Engram can read
 */
public record DeadLetterPage(List<DeadLetterEntry> deadLetters, long scanned, long total, long unreadable) {

    public DeadLetterPage {
        deadLetters = List.copyOf(deadLetters);
    }
}
