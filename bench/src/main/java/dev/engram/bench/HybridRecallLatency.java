package dev.engram.bench;

import static dev.engram.bench.Latencies.mean;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
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
        try (TextEncoder encoder = TextEncoder.load()) {
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
                    sentenceVectors(encoder, sentences, stringArg(args, "--sentence-vectors", null));
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

    /**
     * The real MiniLM vector of every sentence, read from {@code cache} when it holds as many (a file
     * an earlier run wrote for the same sentences; null: no cache), else embedded (and written there).
     */
    private static List<float[]> sentenceVectors(TextEncoder encoder, List<String> sentences, String cache)
            throws IOException {
        Path file = cache == null ? null : Path.of(cache);
        int dim = encoder.dimension();
        if (file != null && Files.exists(file)) {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            if (bytes.remaining() == (long) sentences.size() * dim * Float.BYTES) {
                java.nio.FloatBuffer floats = bytes.asFloatBuffer();
                List<float[]> out = new ArrayList<>(sentences.size());
                for (int i = 0; i < sentences.size(); i++) {
                    float[] v = new float[dim];
                    floats.get(v);
                    out.add(v);
                }
                System.out.printf(Locale.ROOT, "read the vectors of %,d sentences from %s%n", out.size(), file);
                return out;
            }
        }
        long t0 = System.nanoTime();
        List<float[]> out = embed(encoder, sentences);
        System.out.printf(
                Locale.ROOT,
                "embedded %,d Cranfield sentences in %.1f s%n",
                sentences.size(),
                (System.nanoTime() - t0) / 1e9);
        if (file != null) {
            ByteBuffer bytes =
                    ByteBuffer.allocate(out.size() * dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] v : out) {
                for (float f : v) {
                    bytes.putFloat(f);
                }
            }
            Files.write(file, bytes.array());
        }
        return out;
    }

    private static List<float[]> embed(TextEncoder encoder, List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        try (NoGradScope ignored = NoGradScope.enter()) {
            for (int from = 0; from < texts.size(); from += 512) {
                out.addAll(encoder.embedDocuments(texts.subList(from, Math.min(texts.size(), from + 512))));
            }
        }
        return out;
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
        List<float[]> realVectors = embed(
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
            standIns[i] = standIn(first.get(i).sentenceIds(), sentenceVectors);
            agreement[i] = VectorUtil.dotProduct(standIns[i], realVectors.get(i));
            store.ingest(first.get(i).episode(), realVectors.get(i));
        }
        printFidelity(agreement, realVectors, standIns, random);
        long t1 = System.nanoTime();
        for (int i = first.size(); i < cases; i++) {
            BenchCorpus.BenchCase c = BenchCorpus.benchCase(i, TENANT, sentences, random);
            store.ingest(c.episode(), standIn(c.sentenceIds(), sentenceVectors));
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

    /** The normalised sum of the real vectors of a case's sentences. */
    private static float[] standIn(int[] sentenceIds, List<float[]> sentenceVectors) {
        float[] sum = new float[sentenceVectors.get(0).length];
        for (int id : sentenceIds) {
            float[] v = sentenceVectors.get(id);
            for (int d = 0; d < sum.length; d++) {
                sum[d] += v[d];
            }
        }
        return VectorUtil.l2normalize(sum);
    }

    private static void printFidelity(double[] agreement, List<float[]> realVectors, float[][] standIns, Random r) {
        if (agreement.length < 2) {
            return;
        }
        double[] a = agreement.clone();
        Arrays.sort(a);
        double[] realPairs = new double[2_000];
        double[] standInPairs = new double[realPairs.length];
        for (int p = 0; p < realPairs.length; p++) {
            int i = r.nextInt(agreement.length);
            int j = (i + 1 + r.nextInt(agreement.length - 1)) % agreement.length;
            realPairs[p] = VectorUtil.dotProduct(realVectors.get(i), realVectors.get(j));
            standInPairs[p] = VectorUtil.dotProduct(standIns[i], standIns[j]);
        }
        Arrays.sort(realPairs);
        Arrays.sort(standInPairs);
        System.out.printf(
                Locale.ROOT,
                "stand-in vs real vector of the same case (%,d cases): cosine p5 %.3f, median %.3f, mean %.3f%n",
                a.length,
                a[(int) (a.length * 0.05)],
                a[a.length / 2],
                Arrays.stream(a).average().orElse(0));
        System.out.printf(
                Locale.ROOT,
                "cosine between two random cases (p5 / median / p95): real %.3f / %.3f / %.3f, stand-in %.3f / %.3f /"
                        + " %.3f%n",
                realPairs[100],
                realPairs[1_000],
                realPairs[1_900],
                standInPairs[100],
                standInPairs[1_000],
                standInPairs[1_900]);
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
                ratio(wall, "ratio store recall / baseline", recall, baseline);
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
            exactCheck(reader, bare, field, vectors, Math.min(exactQueries, queries), k, depth);
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

    /** recall@k and recall@depth of HNSW against exact search over every vector, and exact search's own time. */
    private static void exactCheck(
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

    private static double overlap(Integer[] exactOrder, List<Integer> docs, ScoreDoc[] approx, int n) {
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

    /** One timed stage: wall-clock and thread CPU nanoseconds per query. */
    private static final class Stage {
        final String name;
        final long[] wall;
        final long[] cpu;

        Stage(String name, int n) {
            this.name = name;
            this.wall = new long[n];
            this.cpu = new long[n];
        }

        void add(int i, long wallNanos, long cpuNanos) {
            wall[i] = wallNanos;
            cpu[i] = cpuNanos;
        }

        void print(boolean wallClock) {
            long[] s = sorted(wallClock ? wall : cpu);
            System.out.printf(
                    Locale.ROOT,
                    "%-34s %9.3f %9.3f %9.3f%n",
                    name,
                    pct(s, 50),
                    pct(s, 99),
                    mean(wallClock ? wall : cpu));
        }
    }

    private static void ratio(boolean wallClock, String label, Stage a, Stage b) {
        long[] x = sorted(wallClock ? a.wall : a.cpu);
        long[] y = sorted(wallClock ? b.wall : b.cpu);
        System.out.printf(
                Locale.ROOT,
                "%-34s %8.2fx %8.2fx %8.2fx%n",
                label,
                pct(x, 50) / pct(y, 50),
                pct(x, 99) / pct(y, 99),
                mean(wallClock ? a.wall : a.cpu) / mean(wallClock ? b.wall : b.cpu));
    }
}
