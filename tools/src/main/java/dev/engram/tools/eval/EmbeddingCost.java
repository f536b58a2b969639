package dev.engram.tools.eval;

import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.Query;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the base encoder costs on this machine: documents per second while the corpus is embedded
 * in batches (indexing included), and the median time to embed one query on its own, as a node
 * does for each recall.
 *
 * @param encoder the encoder measured
 * @param documents documents embedded
 * @param documentSeconds wall time to embed and index them
 * @param singleQueries queries embedded one at a time
 * @param medianQueryMillis median milliseconds per single query
 */
record EmbeddingCost(
        EvalEncoder encoder, int documents, double documentSeconds, int singleQueries, double medianQueryMillis) {

    /** Queries timed one by one, after one untimed warm-up. */
    static final int SINGLE_QUERIES = 20;

    static EmbeddingCost measure(
            EvalEncoder encoder, int documents, double documentSeconds, List<Query> queries, TextEncoder tower) {
        int n = Math.min(SINGLE_QUERIES, queries.size());
        tower.embedQuery(queries.get(0).text());
        double[] millis = new double[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            tower.embedQuery(queries.get(i).text());
            millis[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        double median = n == 0 ? Double.NaN : (millis[(n - 1) / 2] + millis[n / 2]) / 2;
        return new EmbeddingCost(encoder, documents, documentSeconds, n, median);
    }

    double documentsPerSecond() {
        return documents / documentSeconds;
    }

    String line() {
        return String.format(
                Locale.ROOT,
                "Embedding cost (%s): %d documents in %.1f s (%.1f docs/s, indexing included); one query %.1f ms"
                        + " (median of %d)",
                encoder.cliName(),
                documents,
                documentSeconds,
                documentsPerSecond(),
                medianQueryMillis,
                singleQueries);
    }
}
