package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaseStoreConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        CaseStoreConfig c = CaseStoreConfig.defaults();
        assertThat(c.commitEveryEvents()).isEqualTo(1000);
        assertThat(c.commitInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.vectorDimension()).isEqualTo(384);
        assertThat(c.quantizedVectors()).isFalse();
        assertThat(c.positiveRewardThreshold()).isEqualTo(0.5);
        assertThat(c.rrfK()).isEqualTo(60);
    }

    @Test
    void fromMapOverridesKnownKeysAndRejectsUnknownOnes() {
        CaseStoreConfig c = CaseStoreConfig.fromMap(Map.of(
                "commit.every.events", "5", "commit.interval.ms", "250", "vector.quantized", "true", "rrf.k", "10"));
        assertThat(c.commitEveryEvents()).isEqualTo(5);
        assertThat(c.commitInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.quantizedVectors()).isTrue();
        assertThat(c.rrfK()).isEqualTo(10);
        assertThatThrownBy(() -> CaseStoreConfig.fromMap(Map.of("commit.evry.events", "5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown case store setting 'commit.evry.events'");
        assertThatThrownBy(() -> CaseStoreConfig.fromMap(Map.of("rrf.k", "sixty")))
                .hasMessageContaining("'rrf.k' must be a number");
    }

    @Test
    void invalidValuesAreRejectedNamingTheField() {
        assertThatThrownBy(() -> CaseStoreConfig.defaults().withPositiveRewardThreshold(1.5))
                .hasMessageContaining("caseStoreConfig.positiveRewardThreshold must be in [0, 1]");
        assertThatThrownBy(() -> CaseStoreConfig.defaults().withVectorDimension(0))
                .hasMessageContaining("caseStoreConfig.vectorDimension");
        assertThatThrownBy(() -> CaseStoreConfig.defaults().withCommitEveryEvents(0))
                .hasMessageContaining("caseStoreConfig.commitEveryEvents");
    }

    @Test
    void recallQueryAndCaseValidateTheirFields() {
        assertThatThrownBy(() -> RecallQuery.bm25(" ", "text", 5)).hasMessageContaining("recallQuery.tenant");
        assertThatThrownBy(() -> RecallQuery.bm25("acme", " ", 5)).hasMessageContaining("recallQuery.text");
        assertThatThrownBy(() -> RecallQuery.bm25("acme", "text", 0)).hasMessageContaining("recallQuery.k");
        assertThatThrownBy(() -> RecallQuery.hybrid("acme", "t", new float[] {Float.NaN}, 5))
                .hasMessageContaining("recallQuery.vector must be finite");
        assertThatThrownBy(() -> new Case(
                        "c", "acme", "", "task", "", "", 0.5, java.time.Instant.EPOCH, java.time.Instant.EPOCH, 1, 2))
                .hasMessageContaining("case.timesUseful");
        float[] v = {1, 2};
        RecallQuery q = RecallQuery.hybrid("acme", "t", v, 5);
        v[0] = 9;
        assertThat(q.vector()[0]).isEqualTo(1f);
        assertThat(q).isEqualTo(RecallQuery.hybrid("acme", "t", new float[] {1, 2}, 5));
    }
}
