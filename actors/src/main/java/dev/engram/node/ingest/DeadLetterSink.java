package dev.engram.node.ingest;

import dev.engram.streams.DeadLetter;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where invalid records go. The stage completes once every letter is durably stored (for Kafka:
 * acknowledged by the broker); a batch's offsets are committed only after that.
 */
public interface DeadLetterSink extends AutoCloseable {

    /** Publishes the letters; an empty list completes at once. */
    CompletionStage<Void> publish(List<DeadLetter> letters);

    @Override
    void close();
}
