package dev.engram.agentmodel;

import java.util.Objects;

/**
 * One supervised example: the model reads {@code promptIds} and is trained to continue with
 * {@code targetIds}; the loss covers the target tokens only.
 *
 * @param episodeId the episode (its {@code eventId}) the example came from
 * @param promptIds the prompt's ids, non-empty
 * @param targetIds the plan's ids (with the model's end-of-sequence id when it has one), non-empty
 */
public record SftExample(String episodeId, long[] promptIds, long[] targetIds) {

    public SftExample {
        Objects.requireNonNull(episodeId, "episodeId");
        if (promptIds == null || promptIds.length == 0) {
            throw new IllegalArgumentException("example " + episodeId + ": promptIds must not be empty");
        }
        if (targetIds == null || targetIds.length == 0) {
            throw new IllegalArgumentException("example " + episodeId + ": targetIds must not be empty");
        }
    }

    /** Prompt and target tokens together. */
    public int length() {
        return promptIds.length + targetIds.length;
    }
}
