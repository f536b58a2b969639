package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The mode is a field, never encoded in the text or the vector; each field's error names it. */
class RecallQueryTest {
    private static final float[] V = {1, 2, 3};

    @Test
    void factoriesNameTheModeAndUseTheDepthTheStoreAlwaysSearchedTo() {
        RecallQuery bm25 = RecallQuery.bm25("acme", "heated wing", 10);
        assertThat(bm25.mode()).isEqualTo(RecallMode.BM25);
        assertThat(bm25.vector()).isNull();
        assertThat(bm25.depth()).isEqualTo(10);

        RecallQuery hybrid = RecallQuery.hybrid("acme", "heated wing", V, 10);
        assertThat(hybrid.mode()).isEqualTo(RecallMode.HYBRID);
        assertThat(hybrid.text()).isEqualTo("heated wing");
        assertThat(hybrid.depth()).isEqualTo(100);
        assertThat(RecallQuery.hybrid("acme", "heated wing", V, 50).depth()).isEqualTo(200);

        RecallQuery dense = RecallQuery.dense("acme", "heated wing", V, 10);
        assertThat(dense.mode()).isEqualTo(RecallMode.DENSE);
        assertThat(dense.text()).isEqualTo("heated wing");
        assertThat(dense.vector()).containsExactly(V);
        assertThat(dense.depth()).isEqualTo(100);
        assertThat(RecallQuery.dense("acme", "t", V, RecallQuery.MAX_K).depth()).isEqualTo(4000);

        assertThat(RecallQuery.of(RecallMode.DENSE, "acme", "heated wing", V, 10))
                .isEqualTo(dense);
        assertThat(dense.withDepth(500).depth()).isEqualTo(500);
        assertThat(dense.withDepth(500)).isNotEqualTo(dense);
        assertThat(dense).isNotEqualTo(hybrid);
        assertThat(dense.toString()).contains("mode=dense", "depth=100", "3 dims");
    }

    @Test
    void tenantAndTextAreRequiredInEveryMode() {
        assertThatThrownBy(() -> RecallQuery.hybrid(null, "t", V, 5)).hasMessageStartingWith("recallQuery.tenant");
        assertThatThrownBy(() -> RecallQuery.bm25(" ", "t", 5)).hasMessageStartingWith("recallQuery.tenant");
        for (RecallMode mode : RecallMode.values()) {
            float[] v = mode.usesVector() ? V : null;
            assertThatThrownBy(() -> RecallQuery.of(mode, "acme", "", v, 5))
                    .as(mode.wireName())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("recallQuery.text");
            assertThatThrownBy(() -> RecallQuery.of(mode, "acme", null, v, 5))
                    .as(mode.wireName())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("recallQuery.text");
        }
    }

    @Test
    void theVectorIsRequiredExactlyWhenTheModeSearchesVectors() {
        assertThatThrownBy(() -> RecallQuery.hybrid("acme", "t", null, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("recallQuery.vector is required in mode hybrid");
        assertThatThrownBy(() -> RecallQuery.dense("acme", "t", null, 5))
                .hasMessageStartingWith("recallQuery.vector is required in mode dense");
        assertThatThrownBy(() -> new RecallQuery("acme", "t", V, RecallMode.BM25, 5, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("recallQuery.vector must be null in mode bm25");
        assertThatThrownBy(() -> RecallQuery.dense("acme", "t", new float[0], 5))
                .hasMessageStartingWith("recallQuery.vector must not be empty");
        assertThatThrownBy(() -> RecallQuery.dense("acme", "t", new float[] {1, Float.POSITIVE_INFINITY}, 5))
                .hasMessageStartingWith("recallQuery.vector must be finite");
        float[] v = V.clone();
        RecallQuery q = RecallQuery.dense("acme", "t", v, 5);
        v[0] = 9;
        assertThat(q.vector()[0]).as("copied on construction").isEqualTo(1f);
        q.vector()[1] = 9;
        assertThat(q.vector()[1]).as("copied on read").isEqualTo(2f);
    }

    @Test
    void modeKAndDepthAreChecked() {
        assertThatThrownBy(() -> new RecallQuery("acme", "t", null, null, 5, 5))
                .isInstanceOf(NullPointerException.class)
                .hasMessageStartingWith("recallQuery.mode is required");
        assertThatThrownBy(() -> RecallQuery.bm25("acme", "t", 0)).hasMessageStartingWith("recallQuery.k");
        assertThatThrownBy(() -> RecallQuery.bm25("acme", "t", RecallQuery.MAX_K + 1))
                .hasMessageStartingWith("recallQuery.k");
        RecallQuery q = RecallQuery.hybrid("acme", "t", V, 10);
        assertThatThrownBy(() -> q.withDepth(9))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("recallQuery.depth must be in [k = 10, 10000], was 9");
        assertThatThrownBy(() -> q.withDepth(RecallQuery.MAX_DEPTH + 1)).hasMessageStartingWith("recallQuery.depth");
        assertThat(q.withDepth(10).depth()).isEqualTo(10);
        assertThat(q.withDepth(RecallQuery.MAX_DEPTH).depth()).isEqualTo(RecallQuery.MAX_DEPTH);
    }

    @Test
    void modesParseFromTheWire() {
        assertThat(RecallMode.parse("DENSE")).isEqualTo(RecallMode.DENSE);
        assertThat(RecallMode.HYBRID.wireName()).isEqualTo("hybrid");
        assertThat(RecallMode.BM25.usesVector()).isFalse();
        assertThat(RecallMode.DENSE.usesBm25()).isFalse();
        assertThat(RecallMode.HYBRID.usesBm25() && RecallMode.HYBRID.usesVector())
                .isTrue();
        assertThatThrownBy(() -> RecallMode.parse("fuzzy"))
                .hasMessage("mode must be one of hybrid, bm25, dense, was 'fuzzy'");
    }
}
