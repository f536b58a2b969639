package dev.engram.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void allDeclaresEveryTopicOnce() {
        assertThat(Topics.all())
                .extracting(TopicSpec::name)
                .containsExactly(
                        Topics.FEEDBACK,
                        Topics.DEAD_LETTERS,
                        Topics.TRAINING_JOBS,
                        Topics.ADAPTERS,
                        Topics.TRAINING_PROGRESS,
                        Topics.CASE_VECTORS);
    }

    @Test
    void caseVectorsAreCompactedAndPartitionedAsFeedbackIs() {
        TopicSpec vectors = Topics.spec(Topics.CASE_VECTORS);
        assertThat(vectors.configs()).containsEntry("cleanup.policy", "compact");
        assertThat(vectors.partitions()).isEqualTo(Topics.spec(Topics.FEEDBACK).partitions());
        // the largest vector (4096 float32 values, base64) and its envelope fit one record
        assertThat(vectors.maxMessageBytes()).isGreaterThan(CaseVector.MAX_DIMENSION * 4 * 4 / 3 + 4 * 1024);
    }

    @Test
    void adaptersAreCompactedWithLargeMessages() {
        TopicSpec adapters = Topics.spec(Topics.ADAPTERS);
        assertThat(adapters.configs()).containsEntry("cleanup.policy", "compact");
        assertThat(adapters.maxMessageBytes()).isEqualTo(8 * 1024 * 1024);
        assertThat(Topics.largestMaxMessageBytes()).isEqualTo(8 * 1024 * 1024);
    }

    @Test
    void feedbackIsKeptForeverAndDeadLettersFitAnyFeedbackRecord() {
        TopicSpec feedback = Topics.spec(Topics.FEEDBACK);
        assertThat(feedback.configs()).containsEntry("retention.ms", "-1").containsEntry("cleanup.policy", "delete");
        assertThat(feedback.maxMessageBytes()).isGreaterThan(EventLimits.MAX_EVENT_JSON_BYTES);
        // base64 grows the original by 4/3, plus the envelope.
        assertThat(Topics.spec(Topics.DEAD_LETTERS).maxMessageBytes())
                .isGreaterThan(feedback.maxMessageBytes() * 4 / 3 + 16 * 1024);
    }

    @Test
    void unknownTopicNamesTheKnownOnes() {
        assertThatThrownBy(() -> Topics.spec("engram.nope"))
                .isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining(Topics.ADAPTERS);
    }

    @Test
    void specValidatesAndCopies() {
        assertThatThrownBy(() -> new TopicSpec("bad name", 1, (short) 1, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("name:");
        assertThatThrownBy(() -> new TopicSpec("t", 0, (short) 1, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("partitions:");
        assertThatThrownBy(() -> new TopicSpec("t", 1, (short) 0, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("replicationFactor:");
        assertThat(new TopicSpec("t", 1, (short) 1, null).configs()).isEmpty();
        assertThat(Topics.spec(Topics.FEEDBACK).withReplicationFactor((short) 3).replicationFactor())
                .isEqualTo((short) 3);
    }
}
