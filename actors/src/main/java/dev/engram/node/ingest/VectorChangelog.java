package dev.engram.node.ingest;

import java.util.List;
import java.util.Map;

/**
 * Where a node records the vectors it computes, and finds the ones recorded for cases it has to
 * give a vector: a node that takes over a partition replays its feedback (texts and judgements are
 * cheap) and takes the vectors from here instead of embedding every case again.
 * {@link KafkaVectorChangelog} keeps them on the compacted {@code engram.case-vectors} topic.
 */
public interface VectorChangelog extends AutoCloseable {

    /** No changelog: every case is embedded, nothing is recorded. */
    VectorChangelog NONE = new VectorChangelog() {
        @Override
        public Map<String, float[]> recorded(List<CaseText> cases) {
            return Map.of();
        }

        @Override
        public void record(CaseText c, float[] vector) {}

        @Override
        public void close() {}
    };

    /**
     * The recorded vectors this node may use for {@code cases}, by {@link CaseText#key()}: made by
     * this node's document encoder, for the case's current text, of its dimension, every value
     * finite. A case without one is absent (embed it). Never throws for a bad record or an
     * unreachable topic: a recorded vector is a shortcut, never needed.
     */
    Map<String, float[]> recorded(List<CaseText> cases);

    /** Records the vector this node computed for {@code c} (asynchronously; a failure is logged). */
    void record(CaseText c, float[] vector);

    @Override
    void close();
}
