package dev.engram.node.testing;

import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import java.util.List;

/** Reads the whole dead-letter topic as it is now. */
public final class DeadLetterTopic {

    private DeadLetterTopic() {}

    /** Every dead letter on the topic up to its current end. */
    public static List<DeadLetter> readAll(String bootstrap) {
        return readAll(KafkaConnection.of(bootstrap));
    }

    /** Every dead letter on the topic up to its current end, read over {@code kafka} (e.g. a secured cluster). */
    public static List<DeadLetter> readAll(KafkaConnection kafka) {
        return TopicRecords.values(kafka, Topics.DEAD_LETTERS).stream()
                .map(EventCodec::decodeDeadLetter)
                .toList();
    }
}
