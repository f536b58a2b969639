package dev.engram.worker.internal;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.Embedder;
import dev.engram.retriever.eval.RetrievalMetrics;
import dev.engram.streams.HeldOutQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Mean nDCG@10 of a query embedder over judged queries: each query's candidates ranked by cosine
 * against document vectors from a {@link DocumentVectors}. A query-side candidate and its parent
 * share the document tower, so one {@code DocumentVectors} serves both and every candidate text is
 * embedded once per job (embedding the documents dominates the evaluation's cost).
 */
public final class RankingEvaluation {

    private RankingEvaluation() {}

    /** Document vectors by text, embedded in batches on first request and kept. */
    public static final class DocumentVectors {
        private final Embedder documents;
        private final DocumentVectorCache known;
        private final Map<String, float[]> byText = new HashMap<>();

        /** @param documents the embedder whose document side ranks the candidates */
        public DocumentVectors(Embedder documents) {
            this(documents, null);
        }

        /**
         * @param documents the embedder whose document side ranks the candidates
         * @param known vectors of that same document side already computed (read first); may be null
         */
        public DocumentVectors(Embedder documents, DocumentVectorCache known) {
            this.documents = Objects.requireNonNull(documents, "documents");
            this.known = known;
        }

        /** Embeds, in one batched call, every candidate text of {@code queries} not embedded yet. */
        void prepare(List<HeldOutQuery> queries) {
            Set<String> missing = new LinkedHashSet<>();
            for (HeldOutQuery q : queries) {
                for (HeldOutQuery.Candidate c : q.candidates()) {
                    if (byText.containsKey(c.text())) {
                        continue;
                    }
                    float[] cached = known == null ? null : known.get(c.text());
                    if (cached != null) {
                        byText.put(c.text(), cached);
                    } else {
                        missing.add(c.text());
                    }
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            List<String> texts = List.copyOf(missing);
            List<float[]> vectors = documents.embedDocuments(texts);
            for (int i = 0; i < texts.size(); i++) {
                byText.put(texts.get(i), vectors.get(i));
            }
        }

        float[] get(String text) {
            return byText.get(text);
        }

        /** How many distinct texts were looked up or embedded. */
        public int size() {
            return byText.size();
        }
    }

    /** The mean nDCG@10 over {@code queries}, documents embedded by {@code embedder}; NaN when there are none. */
    public static double meanNdcg10(Embedder embedder, List<HeldOutQuery> queries) {
        return meanNdcg10(embedder, new DocumentVectors(embedder), queries);
    }

    /** The mean nDCG@10 over {@code queries}, queries embedded by {@code queries}; NaN when there are none. */
    public static double meanNdcg10(Embedder queryEmbedder, DocumentVectors documents, List<HeldOutQuery> queries) {
        if (queries.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        try (NoGradScope ignored = NoGradScope.enter()) {
            documents.prepare(queries);
            List<float[]> queryVectors = new ArrayList<>(queries.size());
            for (HeldOutQuery q : queries) {
                queryVectors.add(queryEmbedder.embedQuery(q.query()));
            }
            for (int i = 0; i < queries.size(); i++) {
                sum += ndcg10(queryVectors.get(i), documents, queries.get(i));
            }
        }
        return sum / queries.size();
    }

    private static double ndcg10(float[] query, DocumentVectors documents, HeldOutQuery q) {
        List<Map.Entry<String, Double>> scored = new ArrayList<>();
        Map<String, Integer> gains = new HashMap<>();
        for (HeldOutQuery.Candidate c : q.candidates()) {
            scored.add(Map.entry(c.caseId(), cosine(query, documents.get(c.text()))));
            int gain = (int) Math.round(c.gain());
            if (gain > 0) {
                gains.put(c.caseId(), gain);
            }
        }
        scored.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        return RetrievalMetrics.ndcgAtK(scored.stream().map(Map.Entry::getKey).toList(), gains, 10);
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
