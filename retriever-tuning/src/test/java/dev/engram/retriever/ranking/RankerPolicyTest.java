package dev.engram.retriever.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.retriever.ranking.RankerPolicy.Base;
import org.junit.jupiter.api.Test;

class RankerPolicyTest {

    private static final RankerPolicy TUNED =
            RankerPolicy.untuned().withFusion(0.35).withReuse(0.7, 3, 0.8).withSelector(0.6, 0.85);

    @Test
    void roundTripsThroughJson() {
        String json = TUNED.toJson();
        assertThat(json)
                .contains(
                        "\"base\":\"fusion\"",
                        "\"fusionWeight\":0.35",
                        "\"reuse\":true",
                        "\"reuseNeighbours\":3",
                        "\"selectorThreshold\":0.85");
        assertThat(RankerPolicy.fromJson(json)).isEqualTo(TUNED);
        assertThat(RankerPolicy.fromJson(RankerPolicy.untuned().toJson())).isEqualTo(RankerPolicy.untuned());
        assertThat(RankerPolicy.untuned().toJson()).contains("\"base\":\"rrf\"");
    }

    @Test
    void theUntunedPolicyIsRrfAloneAtTheDefaults() {
        RankerPolicy p = RankerPolicy.untuned();
        assertThat(p.base()).isEqualTo(Base.RRF);
        assertThat(p.reuse()).isFalse();
        assertThat(p.selector()).isFalse();
        assertThat(p.reuseNeighbours()).isEqualTo(5);
        assertThat(p.describe()).isEqualTo("rrf");
        assertThat(TUNED.describe()).isEqualTo("fusion w 0.35 + reuse β 0.70 m 3 ≥ 0.80 + selector blend 0.60 ≥ 0.85");
    }

    @Test
    void readingRejectsAnOutOfRangeValueNamingTheField() {
        String json = TUNED.toJson().replace("\"fusionWeight\":0.35", "\"fusionWeight\":1.5");
        assertThatThrownBy(() -> RankerPolicy.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rankerPolicy.fusionWeight must be in [0, 1], was 1.5");
    }

    @Test
    void readingRejectsAnUnknownField() {
        String json = TUNED.toJson().replace("{", "{\"rerankDepth\":20,");
        assertThatThrownBy(() -> RankerPolicy.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rerankDepth");
    }

    @Test
    void readingRejectsAMissingField() {
        String json = TUNED.toJson().replace("\"reuseBeta\":0.7,", "");
        assertThat(json).doesNotContain("reuseBeta");
        assertThatThrownBy(() -> RankerPolicy.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reuseBeta");
    }

    @Test
    void readingRejectsAnUnknownBaseAndMalformedJson() {
        String json = TUNED.toJson().replace("\"fusion\"", "\"bm25\"");
        assertThatThrownBy(() -> RankerPolicy.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bm25");
        assertThatThrownBy(() -> RankerPolicy.fromJson("{\"base\":"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid ranker policy JSON");
    }

    @Test
    void theConstructorNamesTheFieldThatIsWrong() {
        RankerPolicy p = RankerPolicy.untuned();
        assertThatThrownBy(() -> new RankerPolicy(
                        null,
                        0.5,
                        false,
                        0.5,
                        false,
                        0.5,
                        5,
                        0.75,
                        RankerPolicy.ReuseWeighting.SIMILARITY_SHARE,
                        1.0,
                        1.0,
                        0.0,
                        false,
                        0.5,
                        0.8,
                        false,
                        1.0))
                .hasMessageContaining("rankerPolicy.base");
        assertThatThrownBy(() -> p.withExpansion(-1)).hasMessageContaining("rankerPolicy.expansionWeight");
        assertThatThrownBy(() -> p.withFusion(-0.1)).hasMessageContaining("rankerPolicy.fusionWeight");
        assertThatThrownBy(() -> p.withReuse(Double.NaN, 5, 0.75)).hasMessageContaining("rankerPolicy.reuseBeta");
        assertThatThrownBy(() -> p.withReuse(0.5, 0, 0.75)).hasMessageContaining("rankerPolicy.reuseNeighbours");
        assertThatThrownBy(() -> p.withReuse(0.5, 5, 0)).hasMessageContaining("rankerPolicy.reuseThreshold");
        assertThatThrownBy(() -> p.withSelector(1.1, 0.8)).hasMessageContaining("rankerPolicy.selectorBlend");
        assertThatThrownBy(() -> p.withSelector(0.5, 1)).hasMessageContaining("rankerPolicy.selectorThreshold");
        assertThatThrownBy(() -> p.withFeedback(1.2)).hasMessageContaining("rankerPolicy.feedbackWeight");
        assertThatThrownBy(() -> p.withReuseWeighting(null)).hasMessageContaining("rankerPolicy.reuseWeighting");
    }

    @Test
    void feedbackAndClosenessWeightingRoundTripAndDescribeThemselves() {
        RankerPolicy p = RankerPolicy.proposed().withFeedback(0.5).withReuse(0.5, 5, 0.55);
        String json = p.toJson();
        assertThat(json).contains("\"feedback\":true", "\"feedbackWeight\":0.5", "\"reuseWeighting\":\"closeness\"");
        assertThat(RankerPolicy.fromJson(json)).isEqualTo(p);
        assertThat(p.describe()).isEqualTo("rrf + feedback λ 0.50 + reuse β 0.50 m 5 ≥ 0.55 by closeness");
    }

    @Test
    void aPolicyWrittenBeforeFeedbackAndWeightingExistedReadsAsTheRankerItWasMeasuredAs() {
        // the JSON a node published before the fields existed
        String old = "{\"base\":\"rrf\",\"fusionWeight\":0.5,\"reuse\":true,\"reuseBeta\":0.5,"
                + "\"reuseNeighbours\":5,\"reuseThreshold\":0.75,\"selector\":false,\"selectorBlend\":0.5,"
                + "\"selectorThreshold\":0.8}";
        RankerPolicy read = RankerPolicy.fromJson(old);
        assertThat(read.feedback()).isFalse();
        assertThat(read.reuseWeighting()).isEqualTo(RankerPolicy.ReuseWeighting.SIMILARITY_SHARE);
        assertThat(read).isEqualTo(RankerPolicy.untuned().withReuse(0.5, 5, 0.75));
    }

    @Test
    void expansionRoundTripsAndAPolicyWrittenBeforeItReadsWithoutIt() {
        RankerPolicy p = RankerPolicy.proposed().withExpansion(0.5);
        assertThat(p.toJson()).contains("\"expansion\":true", "\"expansionWeight\":0.5");
        assertThat(RankerPolicy.fromJson(p.toJson())).isEqualTo(p);
        assertThat(p.describe()).endsWith(" + expansion γ 0.50");
        String before = RankerPolicy.proposed()
                .toJson()
                .replace(",\"expansion\":false", "")
                .replace(",\"expansionWeight\":1.0", "");
        assertThat(before).doesNotContain("expansion");
        assertThat(RankerPolicy.fromJson(before)).isEqualTo(RankerPolicy.proposed());
    }

    @Test
    void reuseShapeRoundTripsAndAPolicyWrittenBeforeItReadsAsLinear() {
        RankerPolicy p = RankerPolicy.proposed().withReuseShape(new ReuseShape(2.0, 0.5, 0.2));
        assertThat(p.toJson()).contains("\"reusePower\":2.0", "\"reuseUselessWeight\":0.5", "\"reuseTextWeight\":0.2");
        assertThat(RankerPolicy.fromJson(p.toJson())).isEqualTo(p);
        assertThat(p.describe()).endsWith(" by closeness power 2.00, useless × 0.50, words 0.20");
        assertThat(RankerPolicy.proposed().describe()).doesNotContain("power");
        String before = RankerPolicy.proposed()
                .toJson()
                .replace(",\"reusePower\":1.0", "")
                .replace(",\"reuseUselessWeight\":1.0", "")
                .replace(",\"reuseTextWeight\":0.0", "");
        assertThat(before)
                .doesNotContain("reusePower")
                .doesNotContain("reuseUseless")
                .doesNotContain("reuseText");
        RankerPolicy read = RankerPolicy.fromJson(before);
        assertThat(read).isEqualTo(RankerPolicy.proposed());
        assertThat(read.reuseShape()).isEqualTo(ReuseShape.LINEAR);
        assertThatThrownBy(() -> RankerPolicy.proposed().withReuseShape(null))
                .hasMessageContaining("reuseShape is required");
    }
}
