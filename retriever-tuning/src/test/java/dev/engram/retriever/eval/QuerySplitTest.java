package dev.engram.retriever.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuerySplitTest {

    private static List<Query> queries(int n) {
        List<Query> qs = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            qs.add(new Query(Integer.toString(i), "query " + i));
        }
        return qs;
    }

    @Test
    void sameSeedSameSplitWhateverTheInputOrder() {
        List<Query> qs = queries(225);
        QuerySplit a = QuerySplit.split(qs, 0.6, 42);
        List<Query> reversed = new ArrayList<>(qs);
        Collections.reverse(reversed);
        QuerySplit b = QuerySplit.split(reversed, 0.6, 42);
        // same members; each side keeps its input's order, so b's are a's reversed
        List<String> bHeldOut = new ArrayList<>(ids(b.heldOut()));
        Collections.reverse(bHeldOut);
        assertThat(bHeldOut).isEqualTo(ids(a.heldOut()));
        assertThat(ids(b.feedback())).containsExactlyInAnyOrderElementsOf(ids(a.feedback()));
        assertThat(QuerySplit.split(qs, 0.6, 42)).isEqualTo(a);
    }

    @Test
    void partitionsAllQueriesByTheFraction() {
        List<Query> qs = queries(225);
        QuerySplit split = QuerySplit.split(qs, 0.6, 7);
        assertThat(split.feedback()).hasSize(135); // round(225 * 0.6) = 135
        assertThat(split.heldOut()).hasSize(90);
        Set<String> all = new HashSet<>(ids(split.feedback()));
        all.addAll(ids(split.heldOut()));
        assertThat(all).hasSize(225);
        // each side keeps the given order
        assertThat(split.heldOut())
                .isSortedAccordingTo((x, y) -> Integer.compare(Integer.parseInt(x.id()), Integer.parseInt(y.id())));
    }

    @Test
    void differentSeedsGiveDifferentSplits() {
        List<Query> qs = queries(225);
        assertThat(ids(QuerySplit.split(qs, 0.6, 1).heldOut()))
                .isNotEqualTo(ids(QuerySplit.split(qs, 0.6, 2).heldOut()));
    }

    @Test
    void splitsOnlyJudgedQueriesOfADataset() {
        List<Query> qs = queries(5);
        Qrels qrels =
                new Qrels(Map.of("1", Map.of("d", 1), "2", Map.of("d", 2), "3", Map.of("d", 0), "4", Map.of("d", 1)));
        EvalDataset data = new EvalDataset("toy", List.of(new Document("d", "", "x")), qs, qrels);
        QuerySplit split = QuerySplit.split(data, 0.5, 3);
        // 3 (gain 0 only) and 5 (no judgements) cannot be scored: in neither part
        Set<String> all = new HashSet<>(ids(split.feedback()));
        all.addAll(ids(split.heldOut()));
        assertThat(all).containsExactlyInAnyOrder("1", "2", "4");
        assertThat(split.feedback()).hasSize(2); // round(3 * 0.5) = round(1.5) = 2
    }

    @Test
    void onCranfieldTheHeldOutFortyPercentIsNinetyQueries() {
        EvalDataset cranfield = CranfieldLoader.load();
        QuerySplit split = QuerySplit.split(cranfield, 0.6, 42);
        assertThat(split.feedback()).hasSize(135);
        assertThat(split.heldOut()).hasSize(90);
        assertThat(QuerySplit.split(cranfield, 0.6, 42)).isEqualTo(split);
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> QuerySplit.split(queries(3), 1.5, 1)).hasMessageContaining("feedbackFraction");
        List<Query> twice = List.of(new Query("1", "a"), new Query("1", "b"));
        assertThatThrownBy(() -> QuerySplit.split(twice, 0.5, 1)).hasMessageContaining("id 1 twice");
        assertThatThrownBy(() -> new QuerySplit(List.of(new Query("1", "a")), List.of(new Query("1", "a"))))
                .hasMessageContaining("both feedback and held out");
    }

    private static List<String> ids(List<Query> qs) {
        return qs.stream().map(Query::id).toList();
    }
}
