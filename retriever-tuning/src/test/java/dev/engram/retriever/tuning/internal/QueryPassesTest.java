package dev.engram.retriever.tuning.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.retriever.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryPassesTest {

    /** Rows of the given real lengths, padded to the longest; ids are row * 100 + position. */
    private static TokenBatch batch(int... lengths) {
        int width = 0;
        for (int l : lengths) {
            width = Math.max(width, l);
        }
        long[] ids = new long[lengths.length * width];
        long[] mask = new long[lengths.length * width];
        for (int r = 0; r < lengths.length; r++) {
            for (int k = 0; k < lengths[r]; k++) {
                ids[r * width + k] = r * 100L + k + 1;
                mask[r * width + k] = 1;
            }
        }
        return new TokenBatch(lengths.length, width, ids, mask, new long[ids.length]);
    }

    @Test
    void aBatchThatFitsOrNoBudgetIsOnePassInOrder() {
        TokenBatch b = batch(5, 9, 3);
        assertThat(QueryPasses.plan(b, 0)).containsExactly(new int[] {0, 1, 2});
        assertThat(QueryPasses.plan(b, 27)).containsExactly(new int[] {0, 1, 2});
    }

    @Test
    void passesHoldEveryRowOnceLongestFirstWithinTheBudget() {
        TokenBatch b = batch(5, 9, 3, 8, 40, 2);
        List<int[]> passes = QueryPasses.plan(b, 18);
        List<Integer> seen = new ArrayList<>();
        for (int[] pass : passes) {
            TokenBatch part = QueryPasses.rows(b, pass);
            // a row longer than the budget goes alone
            assertThat(pass.length == 1 || part.size() * part.length() <= 18)
                    .as("pass of %d rows x %d", part.size(), part.length())
                    .isTrue();
            for (int k = 0; k < pass.length; k++) {
                seen.add(pass[k]);
                // each row keeps its own tokens, cut to the pass's width
                assertThat(part.tokens(k)).isEqualTo(b.tokens(pass[k]));
                assertThat(part.inputIds()[k * part.length()]).isEqualTo(pass[k] * 100L + 1);
            }
        }
        assertThat(seen).containsExactly(4, 1, 3, 0, 2, 5);
        assertThat(passes.get(0)).containsExactly(4);
        assertThat(QueryPasses.rows(b, passes.get(1)).length()).isEqualTo(9);
    }
}
