package dev.engram.tools.eval;

import dev.engram.retriever.eval.Query;
import dev.engram.tools.internal.ProgressBar;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A query tower's vectors for every judged query, embedded once: the base MiniLM tower's serve every
 * seed; a LoRA adapter's serve the seed it was trained for.
 *
 * @param name the tower's model id, e.g. {@code "all-MiniLM-L6-v2"} or {@code "…+adapter@query"}
 * @param vectors query id → unit vector
 */
record QueryTower(String name, Map<String, float[]> vectors) {

    /** Queries per call to the tower: one progress step. */
    private static final int CHUNK = 64;

    QueryTower {
        Objects.requireNonNull(name, "queryTower.name");
        vectors = Map.copyOf(vectors);
    }

    /** Embeds the queries' texts with {@code embedQueries} (texts in, vectors out, in order). */
    static QueryTower embed(
            String name,
            List<Query> queries,
            Function<List<String>, List<float[]>> embedQueries,
            EvalProgress progress,
            String label) {
        Map<String, float[]> vectors = new HashMap<>();
        ProgressBar bar = progress.bar(label, queries.size());
        for (int from = 0; from < queries.size(); from += CHUNK) {
            List<Query> chunk = queries.subList(from, Math.min(queries.size(), from + CHUNK));
            List<float[]> embedded =
                    embedQueries.apply(chunk.stream().map(Query::text).toList());
            for (int i = 0; i < chunk.size(); i++) {
                vectors.put(chunk.get(i).id(), embedded.get(i));
            }
            bar.update(from + chunk.size());
        }
        bar.finish(
                queries.size(),
                String.format(
                        Locale.ROOT,
                        "%.1f queries/s (%s)",
                        queries.size() / Math.max(1e-9, bar.elapsedSeconds()),
                        name));
        return new QueryTower(name, vectors);
    }

    /** The vector of a judged query. */
    float[] vector(String queryId) {
        return Objects.requireNonNull(vectors.get(queryId), () -> "query " + queryId + " was not embedded by " + name);
    }
}
