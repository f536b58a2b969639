package dev.engram.bench;

import static dev.engram.bench.Latencies.pct;
import static dev.engram.bench.Latencies.sorted;
import static dev.engram.bench.RecallLatencyBench.intArg;
import static dev.engram.bench.RecallLatencyBench.stringArg;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.Candidate;
import dev.engram.memory.CandidateLists;
import dev.engram.memory.Case;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.RecallResult;
import dev.engram.retriever.TextEncoder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.QueryBuilder;
import org.apache.lucene.util.VectorUtil;

/**
 * Hybrid recall latency at N cases with vectors, each query embedded by the real MiniLM query tower
 * ({@code RecallLatencyBench --mode hybrid}; not a test, prints figures).
 *
 * <p><b>Vectors.</b> Embedding 100,000 case texts takes hours on two cores, so only the first
 * {@code --real} cases get their real MiniLM vector (the case text through
 * {@code TextEncoder.embedDocuments}). Every other case's vector is a stand-in: the normalised sum of
 * the real MiniLM vectors of the Cranfield sentences its text is made of (every sentence of the pool
 * is embedded for real). The bench prints how close the stand-in comes to the real vector on the
 * real cases, and the spread of cosines between cases under both, so the stand-in's realism is
 * measured, not assumed.
 *
 * <p><b>Timings</b>, per query in alternating blocks: the whole recall (the query embedded, then
 * {@code LuceneCaseStore.recall} in hybrid mode with the store's ranker), split into the embedding and
 * the store's part; {@code LuceneCaseStore.candidates} alone (searches and reading the candidates);
 * and the same-run baseline, bare Lucene on the same index: HNSW kNN over the vector field (with and
 * without the tenant filter) and the analysed BM25 query, each to the recall's candidate depth.
 * Approximate kNN is checked against exact search (every vector, dot product) on the first
 * {@code --exact} queries. With {@code --merge-to N} the index is then force-merged to N segments and
 * measured again with the same queries, to show what the segment count costs the vector search.
 * {@code --pytorch-base 1} embeds on the base model's PyTorch path instead of ONNX Runtime.
 * {@code --sentence-vectors FILE} keeps the sentences' vectors between runs (written when absent).
 */
final class HybridRecallLatency {
    private static final String TENANT = "bench";
    private static final String TEXT_FIELD = "text";

    private HybridRecallLatency() {}

    static void main(String[] args) throws Exception {
        int cases = intArg(args, "--cases", 100_000);
        int queries = intArg(args, "--queries", 1_000);
        int warmup = intArg(args, "--warmup", 300);
        int k = intArg(args, "--k", 10);
        int real = intArg(args, "--real", 1_000);
        int exact = intArg(args, "--exact", 200);
        long seed = intArg(args, "--seed", 1);
        List<String> sentences = BenchCorpus.cranfieldSentences();
        if (sentences.isEmpty()) {
            throw new IllegalStateException("hybrid mode needs the Cranfield abstracts on the classpath");
        }
        Random random = new Random(seed);
        List<String> queryTexts = BenchCorpus.queryTexts(sentences, random, queries + warmup);
        Path dir = Files.createTempDirectory("engram-hybrid-bench");
        // --pytorch-base 1: the base model on its PyTorch path, as before ONNX Runtime served it
        boolean pytorchBase = intArg(args, "--pytorch-base", 0) != 0;
        try (TextEncoder encoder = TextEncoder.load(dev.engram.retriever.EncoderConfig.custom()
                .onnxRuntimeBase(!pytorchBase)
                .build())) {
            System.out.println("query tower: the base model on " + (pytorchBase ? "PyTorch" : "ONNX Runtime"));
            System.out.printf(
                    Locale.ROOT,
                    "RecallLatencyBench --mode hybrid: %,d cases (%,d with real MiniLM vectors), %,d queries after"
                            + " %,d warm-up, k=%d, %d cores, Java %s%n",
                    cases,
                    Math.min(real, cases),
                    queries,
                    warmup,
                    k,
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            List<float[]> sentenceVectors =
                    StandInVectors.sentenceVectors(encoder, sentences, stringArg(args, "--sentence-vectors", null));
            CaseStoreConfig config =
                    CaseStoreConfig.defaults().withCommitEveryEvents(10_000).withCommitInterval(Duration.ofSeconds(5));
            try (LuceneCaseStore store = LuceneCaseStore.open(dir, config)) {
                ingest(store, encoder, sentences, sentenceVectors, cases, real, random);
                measure(store, encoder, dir, queryTexts, warmup, queries, k, exact);
            }
            int mergeTo = intArg(args, "--merge-to", 0);
            if (mergeTo > 0) { // the same cases and queries on the index merged down: what segments cost
                long t0 = System.nanoTime();
                try (FSDirectory fs = FSDirectory.open(dir);
                        IndexWriter writer = new IndexWriter(fs, new IndexWriterConfig().setCommitOnClose(true))) {
                    writer.forceMerge(mergeTo);
                }
                System.out.printf(
                        Locale.ROOT,
                        "%n--- force-merged to %d segment(s) in %.1f s ---%n",
                        mergeTo,
                        (System.nanoTime() - t0) / 1e9);
                try (LuceneCaseStore store = LuceneCaseStore.open(dir, config)) {
                    measure(store, encoder, dir, queryTexts, warmup, queries, k, exact);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The first {@code real} cases with their real vectors, the rest with stand-ins; prints the stand-in's fidelity. */
    private static void ingest(
            LuceneCaseStore store,
            TextEncoder encoder,
            List<String> sentences,
            List<float[]> sentenceVectors,
            int cases,
            int real,
            Random random) {
        long t0 = System.nanoTime();
        List<BenchCorpus.BenchCase> first = new ArrayList<>();
        for (int i = 0; i < Math.min(real, cases); i++) {
            first.add(BenchCorpus.benchCase(i, TENANT, sentences, random));
        }
        List<float[]> realVectors = StandInVectors.embed(
                encoder,
                first.stream()
                        .map(c -> Case.text(
                                c.episode().task(),
                                c.episode().plan(),
                                c.episode().outcome()))
                        .toList());
        System.out.printf(
                Locale.ROOT, "embedded %,d case texts in %.1f s%n", first.size(), (System.nanoTime() - t0) / 1e9);
        double[] agreement = new double[first.size()];
        float[][] standIns = new float[first.size()][];
        for (int i = 0; i < first.size(); i++) {
            standIns[i] = StandInVectors.standIn(first.get(i).sentenceIds(), sentenceVectors);
            agreement[i] = VectorUtil.dotProduct(standIns[i], realVectors.get(i));
            store.ingest(first.get(i).episode(), realVectors.get(i));
        }
        StandInVectors.printFidelity(agreement, realVectors, standIns, random);
        long t1 = System.nanoTime();
        for (int i = first.size(); i < cases; i++) {
            BenchCorpus.BenchCase c = BenchCorpus.benchCase(i, TENANT, sentences, random);
            store.ingest(c.episode(), StandInVectors.standIn(c.sentenceIds(), sentenceVectors));
            store.commitIfDue();
            if ((i + 1) % 20_000 == 0) {
                System.out.printf(Locale.ROOT, "  ingested %,d / %,d%n", i + 1, cases);
            }
        }
        store.commit();
        System.out.printf(
                Locale.ROOT,
                "ingest with vectors: %,d cases in %.1f s, %,d cases in store%n",
                cases,
                (System.nanoTime() - t1) / 1e9,
                store.count(TENANT));
    }

    private static void measure(
            LuceneCaseStore store,
            TextEncoder encoder,
            Path dir,
            List<String> queryTexts,
            int warmup,
            int queries,
            int k,
            int exactQueries)
            throws IOException {
        try (FSDirectory fs = FSDirectory.open(dir);
                DirectoryReader reader = DirectoryReader.open(fs)) {
            IndexSearcher bare = new IndexSearcher(reader);
            String field = vectorField(reader);
            QueryBuilder builder = new QueryBuilder(new EnglishAnalyzer());
            int depth = RecallQuery.defaultDepth(dev.engram.memory.RecallMode.HYBRID, k);
            System.out.printf(
                    Locale.ROOT,
                    "index: %d segments (%s docs), vector field '%s', candidate depth %d per search%n",
                    reader.leaves().size(),
                    reader.leaves().stream()
                            .map(l -> Integer.toString(l.reader().maxDoc()))
                            .collect(java.util.stream.Collectors.joining(" ")),
                    field,
                    depth);
            Query tenant = new TermQuery(new Term("tenant", TENANT));
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            Stage whole = new Stage("embed + LuceneCaseStore.recall", queries);
            Stage embedding = new Stage("  query embedding (MiniLM)", queries);
            Stage recall = new Stage("  LuceneCaseStore.recall", queries);
            Stage candidates = new Stage("LuceneCaseStore.candidates", queries);
            Stage knn = new Stage("bare HNSW kNN", queries);
            Stage knnFiltered = new Stage("bare HNSW kNN + tenant filter", queries);
            Stage bm25 = new Stage("bare BM25", queries);
            Stage baseline = new Stage("bare kNN + BM25 (baseline)", queries);
            float[][] vectors = new float[queries][];
            List<List<String>> lists = new ArrayList<>();
            int sameVectorList = 0;
            for (int i = 0; i < warmup; i++) {
                String q = queryTexts.get(i);
                float[] v = embedQuery(encoder, q);
                store.recall(RecallQuery.hybrid(TENANT, q, v, k), store.defaultRanker());
                bare.search(new KnnFloatVectorQuery(field, v, depth), depth);
                bare.search(new KnnFloatVectorQuery(field, v, depth, tenant), depth);
                bare.search(builder.createBooleanQuery(TEXT_FIELD, q), depth);
            }
            int block = 50;
            for (int from = 0; from < queries; from += block) { // alternate blocks: same JIT, GC and cache state
                int to = Math.min(queries, from + block);
                for (int i = from; i < to; i++) {
                    String q = queryTexts.get(warmup + i);
                    long c0 = cpu.getCurrentThreadCpuTime();
                    long s0 = System.nanoTime();
                    float[] v = embedQuery(encoder, q);
                    long s1 = System.nanoTime();
                    long c1 = cpu.getCurrentThreadCpuTime();
                    RecallResult r = store.recall(RecallQuery.hybrid(TENANT, q, v, k), store.defaultRanker());
                    long s2 = System.nanoTime();
                    long c2 = cpu.getCurrentThreadCpuTime();
                    embedding.add(i, s1 - s0, c1 - c0);
                    recall.add(i, s2 - s1, c2 - c1);
                    whole.add(i, s2 - s0, c2 - c0);
                    vectors[i] = v;
                    lists.add(r.ranked().stream().map(s -> s.match().caseId()).toList());
                }
                for (int i = from; i < to; i++) {
                    String q = queryTexts.get(warmup + i);
                    long c0 = cpu.getCurrentThreadCpuTime();
                    long s0 = System.nanoTime();
                    CandidateLists cl = store.candidates(RecallQuery.hybrid(TENANT, q, vectors[i], k));
                    candidates.add(i, System.nanoTime() - s0, cpu.getCurrentThreadCpuTime() - c0);
                    List<String> storeVectorList = cl.candidates().stream()
                            .filter(c -> c.vectorRank() > 0)
                            .sorted(Comparator.comparingInt(Candidate::vectorRank))
                            .map(Candidate::caseId)
                            .toList();
                    List<String> bareVectorList =
                            ids(bare, bare.search(new KnnFloatVectorQuery(field, vectors[i], depth), depth).scoreDocs);
                    sameVectorList += storeVectorList.equals(bareVectorList) ? 1 : 0;
                }
                for (int i = from; i < to; i++) {
                    long c0 = cpu.getCurrentThreadCpuTime();
                    long s0 = System.nanoTime();
                    bare.search(new KnnFloatVectorQuery(field, vectors[i], depth), depth);
                    knn.add(i, System.nanoTime() - s0, cpu.getCurrentThreadCpuTime() - c0);
                }
                for (int i = from; i < to; i++) {
                    long c0 = cpu.getCurrentThreadCpuTime();
                    long s0 = System.nanoTime();
                    bare.search(new KnnFloatVectorQuery(field, vectors[i], depth, tenant), depth);
                    knnFiltered.add(i, System.nanoTime() - s0, cpu.getCurrentThreadCpuTime() - c0);
                }
                for (int i = from; i < to; i++) {
                    String q = queryTexts.get(warmup + i);
                    long c0 = cpu.getCurrentThreadCpuTime();
                    long s0 = System.nanoTime();
                    Query terms = builder.createBooleanQuery(TEXT_FIELD, q);
                    if (terms != null) {
                        bare.search(terms, depth);
                    }
                    bm25.add(i, System.nanoTime() - s0, cpu.getCurrentThreadCpuTime() - c0);
                    baseline.add(i, knn.wall[i] + bm25.wall[i], knn.cpu[i] + bm25.cpu[i]);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%nload average while measuring: %.1f on %d cores%n",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                    Runtime.getRuntime().availableProcessors());
            for (boolean wall : new boolean[] {true, false}) {
                System.out.printf(
                        Locale.ROOT,
                        "%n%-34s %9s %9s %9s%n",
                        wall ? "hybrid recall, ms, wall-clock" : "ms, CPU of the querying thread",
                        "p50",
                        "p99",
                        "mean");
                for (Stage s : List.of(whole, embedding, recall, candidates, knn, knnFiltered, bm25, baseline)) {
                    s.print(wall);
                }
                Stage.ratio(wall, "ratio store recall / baseline", recall, baseline);
            }
            System.out.println("(the embedding's CPU excludes PyTorch's other intra-op thread)");
            System.out.printf(
                    Locale.ROOT,
                    "%nstore's vector candidates = bare HNSW top %d, same order: %d of %d queries%n",
                    depth,
                    sameVectorList,
                    queries);
            System.out.printf(Locale.ROOT, "recall lists digest (top %d of every query): %08x%n", k, lists.hashCode());
            double p99 = pct(sorted(whole.wall), 99);
            System.out.printf(
                    Locale.ROOT,
                    "aim p99 < 25 ms (wall-clock, query embedded): %s (p99 %.3f ms)%n",
                    p99 < 25 ? "met" : "MISSED",
                    p99);
            ExactKnnCheck.exactCheck(reader, bare, field, vectors, Math.min(exactQueries, queries), k, depth);
        }
    }

    private static float[] embedQuery(TextEncoder encoder, String q) {
        try (NoGradScope ignored = NoGradScope.enter()) {
            return encoder.embedQuery(q);
        }
    }

    private static String vectorField(DirectoryReader reader) {
        for (LeafReaderContext leaf : reader.leaves()) {
            for (FieldInfo fi : leaf.reader().getFieldInfos()) {
                if (fi.getVectorDimension() > 0) {
                    return fi.name;
                }
            }
        }
        throw new IllegalStateException("the index has no vector field");
    }

    private static List<String> ids(IndexSearcher searcher, ScoreDoc[] hits) throws IOException {
        List<String> out = new ArrayList<>(hits.length);
        for (ScoreDoc sd : hits) {
            out.add(searcher.storedFields().document(sd.doc).get("case_id"));
        }
        return out;
    }
}
