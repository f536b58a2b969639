package dev.engram.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.util.VectorUtil;

/** How many of the true nearest neighbours HNSW finds: approximate against exact search over every vector. */
final class ExactKnnCheck {
    private ExactKnnCheck() {}

    /** recall@k and recall@depth of HNSW against exact search over every vector, and exact search's own time. */
    static void exactCheck(
            DirectoryReader reader, IndexSearcher bare, String field, float[][] queries, int n, int k, int depth)
            throws IOException {
        if (n == 0) {
            return;
        }
        List<float[]> all = new ArrayList<>();
        List<Integer> docs = new ArrayList<>();
        for (LeafReaderContext leaf : reader.leaves()) {
            FloatVectorValues values = leaf.reader().getFloatVectorValues(field);
            if (values == null) {
                continue;
            }
            for (int d = values.nextDoc(); d != FloatVectorValues.NO_MORE_DOCS; d = values.nextDoc()) {
                all.add(values.vectorValue().clone());
                docs.add(leaf.docBase + d);
            }
        }
        double atK = 0;
        double atDepth = 0;
        long exactNanos = 0;
        for (int q = 0; q < n; q++) {
            long s0 = System.nanoTime();
            Integer[] order = new Integer[all.size()];
            float[] scores = new float[all.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
                scores[i] = VectorUtil.dotProduct(queries[q], all.get(i));
            }
            Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
            exactNanos += System.nanoTime() - s0;
            ScoreDoc[] approx = bare.search(new KnnFloatVectorQuery(field, queries[q], depth), depth).scoreDocs;
            atK += overlap(order, docs, approx, k);
            atDepth += overlap(order, docs, approx, depth);
        }
        System.out.printf(
                Locale.ROOT,
                "HNSW vs exact search over all %,d vectors (%d queries): recall@%d %.4f, recall@%d %.4f; exact search"
                        + " (scalar, sort) %.1f ms a query%n",
                all.size(),
                n,
                k,
                atK / n,
                depth,
                atDepth / n,
                exactNanos / 1e6 / n);
    }

    static double overlap(Integer[] exactOrder, List<Integer> docs, ScoreDoc[] approx, int n) {
        Set<Integer> truth = new HashSet<>();
        for (int i = 0; i < Math.min(n, exactOrder.length); i++) {
            truth.add(docs.get(exactOrder[i]));
        }
        int found = 0;
        for (int i = 0; i < Math.min(n, approx.length); i++) {
            found += truth.contains(approx[i].doc) ? 1 : 0;
        }
        return truth.isEmpty() ? 1 : (double) found / truth.size();
    }
}
