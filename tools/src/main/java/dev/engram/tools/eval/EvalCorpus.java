package dev.engram.tools.eval;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.Case;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.ScoredCase;
import dev.engram.retriever.eval.Document;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.Query;
import dev.engram.tools.internal.ProgressBar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The collection as Engram's memory: one {@link LuceneCaseStore} in a temporary folder, each
 * document a case (task = title, plan = text) of every seed's tenant, with its vector from the
 * document tower. The vectors are embedded once, here, and reused by every seed and every query
 * tower (a query-side adapter leaves the document tower as it is).
 */
final class EvalCorpus implements AutoCloseable {

    /** Cases returned, and candidates fetched from each search, per evaluated recall (recall@100 needs 100). */
    static final int DEPTH = 100;
    /** Texts per call to the document tower: one progress step. */
    private static final int EMBED_CHUNK = 64;

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private final EvalDataset data;
    private final Map<String, float[]> docVectors;
    private final Path dir;
    private final LuceneCaseStore store;

    private EvalCorpus(EvalDataset data, Map<String, float[]> docVectors, Path dir, LuceneCaseStore store) {
        this.data = data;
        this.docVectors = docVectors;
        this.dir = dir;
        this.store = store;
    }

    /** Embeds every document with the document tower and opens an empty store for the tenants. */
    static EvalCorpus build(EvalDataset data, Embedder documentTower, EvalProgress progress) {
        List<Document> docs = data.docs();
        // similar lengths in one call: the encoder pads each batch to its longest text
        List<Document> byLength = docs.stream()
                .sorted(Comparator.comparingInt((Document d) -> text(d).length()))
                .toList();
        Map<String, float[]> vectors = new HashMap<>();
        ProgressBar bar = progress.bar("embed", docs.size());
        for (int from = 0; from < byLength.size(); from += EMBED_CHUNK) {
            List<Document> chunk = byLength.subList(from, Math.min(byLength.size(), from + EMBED_CHUNK));
            List<float[]> embedded = documentTower.embedDocuments(
                    chunk.stream().map(EvalCorpus::text).toList());
            for (int i = 0; i < chunk.size(); i++) {
                vectors.put(chunk.get(i).id(), embedded.get(i));
            }
            bar.update(from + chunk.size());
        }
        bar.finish(
                docs.size(),
                String.format(
                        java.util.Locale.ROOT,
                        "%.1f documents/s (%s)",
                        docs.size() / Math.max(1e-9, bar.elapsedSeconds()),
                        documentTower.modelId()));
        try {
            Path dir = Files.createTempDirectory("engram-eval");
            CaseStoreConfig config = CaseStoreConfig.defaults()
                    .withVectorDimension(documentTower.dimension())
                    .withCommitEveryEvents(Integer.MAX_VALUE);
            return new EvalCorpus(data, vectors, dir, LuceneCaseStore.open(dir, config));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the evaluation's case store", e);
        }
    }

    /** What a document's case holds as its text, and so what is embedded for it. */
    private static String text(Document d) {
        return Case.text(d.title(), d.text(), "");
    }

    /** Adds every document as a case of {@code tenant}, with its vector. */
    void addTenant(String tenant) {
        for (Document d : data.docs()) {
            store.ingest(
                    new Episode(d.id(), tenant, "corpus", T0, d.title(), d.text(), "", 1.0, List.of()),
                    docVectors.get(d.id()));
        }
        store.commit();
    }

    /** The first stage of a hybrid recall of the top {@value #DEPTH}: both lists, {@value #DEPTH} deep. */
    CandidateLists candidates(String tenant, Query query, float[] vector) {
        return store.candidates(
                RecallQuery.hybrid(tenant, query.text(), vector, DEPTH).withDepth(DEPTH));
    }

    /** What an agent gets from an untuned node: a hybrid recall of the top {@code k}, reciprocal rank fusion. */
    List<String> untunedRecall(String tenant, Query query, float[] vector, int k) {
        return store.recall(RecallQuery.hybrid(tenant, query.text(), vector, k)).ranked().stream()
                .map(ScoredCase::match)
                .map(Case::caseId)
                .toList();
    }

    /** What an agent gets from a node serving {@code ranker}: a hybrid recall of the top {@code k}. */
    List<String> recall(String tenant, Query query, float[] vector, int k, Ranker ranker) {
        return store.recall(RecallQuery.hybrid(tenant, query.text(), vector, k), ranker).ranked().stream()
                .map(ScoredCase::match)
                .map(Case::caseId)
                .toList();
    }

    /** The store's untuned ranker (reciprocal rank fusion, k 60). */
    Ranker untunedRanker() {
        return store.defaultRanker();
    }

    /** A document's vector from the document tower. */
    float[] docVector(String docId) {
        return Objects.requireNonNull(docVectors.get(docId), () -> "no vector for document " + docId);
    }

    /** A document's vector, or null for an id that is not a document (the trainer's lookup). */
    float[] docVectorOrNull(String docId) {
        return docVectors.get(docId);
    }

    /** The case of a tenant, for the tuning's example builder. */
    java.util.Optional<Case> get(String tenant, String caseId) {
        return store.get(tenant, caseId);
    }

    @Override
    public void close() {
        try {
            store.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the evaluation's case store in " + dir, e);
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is not worth failing the evaluation for
        }
    }
}
