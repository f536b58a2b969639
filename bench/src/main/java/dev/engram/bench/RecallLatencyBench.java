package dev.engram.bench;

import static dev.engram.bench.Latencies.mean;
import static dev.engram.bench.Latencies.ms;
import static dev.engram.bench.Latencies.pct;
import static dev.engram.bench.Latencies.sorted;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.RecallResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.QueryBuilder;

/**
 * BM25 recall latency of {@link LuceneCaseStore} over N cases (not a test; prints figures).
 *
 * <p>Cases are built from sentences of the Cranfield abstracts (classpath resource
 * {@code datasets/cranfield/cran.all.1400}, else seeded random words), recombined with a seeded
 * Random into task / plan / outcome, with judgements of earlier cases. Queries are the Cranfield
 * queries and fragments of Cranfield sentences. After a warm-up, it times {@code recall} (BM25
 * only, k = 10; tenant-filtered, with stats, reasons and the positive/negative split) and, in
 * alternating blocks of the same run, a bare Lucene baseline: an
 * {@link IndexSearcher} on the same committed index running the same analysed BooleanQuery of
 * TermQuerys, top k, loading the stored fields of the hits. It prints p50 / p99 / max / mean for
 * both and their ratio, in wall-clock time and in CPU time of the querying thread (the machine is
 * shared, so wall-clock time includes waiting for a core; the load average is printed too).
 *
 * <p>{@code --mode hybrid} measures hybrid recall with each query embedded by MiniLM instead
 * ({@link HybridRecallLatency}).
 *
 * <pre>
 * bench/run RecallLatencyBench [--cases 100000] [--queries 2000] [--warmup 1000] [--k 10] [--seed 1]
 * bench/run RecallLatencyBench --mode hybrid [--cases 100000] [--queries 1000] [--warmup 300] [--real 1000]
 *     [--exact 200] [--merge-to 0] [--sentence-vectors FILE]
 * </pre>
 */
public final class RecallLatencyBench {
    private static final String TENANT = "bench";
    /** The store's analysed case-text field (task + plan + outcome); the baseline searches it directly. */
    private static final String TEXT_FIELD = "text";

    public static void main(String[] args) throws Exception {
        int cases = intArg(args, "--cases", 100_000);
        int queries = intArg(args, "--queries", 2_000);
        int warmup = intArg(args, "--warmup", 1_000);
        int k = intArg(args, "--k", 10);
        long seed = intArg(args, "--seed", 1);

        if (stringArg(args, "--mode", "bm25").equals("hybrid")) {
            HybridRecallLatency.main(args);
            return;
        }
        List<String> sentences = BenchCorpus.cranfieldSentences();
        String source = sentences.isEmpty() ? "seeded random words" : "Cranfield sentences (" + sentences.size() + ")";
        Random random = new Random(seed);
        if (sentences.isEmpty()) {
            sentences = BenchCorpus.randomSentences(random, 20_000);
        }
        List<String> queryTexts = BenchCorpus.queryTexts(sentences, random, queries + warmup);

        Path dir = Files.createTempDirectory("engram-recall-bench");
        try {
            run(dir, cases, queries, warmup, k, sentences, queryTexts, random, source);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(
            Path dir,
            int cases,
            int queries,
            int warmup,
            int k,
            List<String> sentences,
            List<String> queryTexts,
            Random random,
            String source)
            throws Exception {
        System.out.printf(
                Locale.ROOT,
                "RecallLatencyBench: %,d cases from %s, %,d queries after %,d warm-up, k=%d, "
                        + "1 thread, %d cores, Java %s%n",
                cases,
                source,
                queries,
                warmup,
                k,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        CaseStoreConfig config =
                CaseStoreConfig.defaults().withCommitEveryEvents(10_000).withCommitInterval(Duration.ofSeconds(5));
        try (LuceneCaseStore store = LuceneCaseStore.open(dir, config)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < cases; i++) {
                store.ingest(BenchCorpus.benchCase(i, TENANT, sentences, random).episode(), null);
                store.commitIfDue();
                if ((i + 1) % 20_000 == 0) {
                    System.out.printf(Locale.ROOT, "  ingested %,d / %,d%n", i + 1, cases);
                }
            }
            store.commit();
            double ingestS = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "ingest: %,d cases in %.1f s (%,.0f cases/s), index %.0f MB, %,d cases in store%n",
                    cases,
                    ingestS,
                    cases / ingestS,
                    sizeMb(dir),
                    store.count(TENANT));

            try (FSDirectory fs = FSDirectory.open(dir);
                    DirectoryReader reader = DirectoryReader.open(fs)) {
                IndexSearcher bare = new IndexSearcher(reader);
                QueryBuilder builder = new QueryBuilder(new EnglishAnalyzer());
                Query[] bareQueries = queryTexts.stream()
                        .map(q -> builder.createBooleanQuery(TEXT_FIELD, q))
                        .toArray(Query[]::new);
                Query[] filteredQueries = Arrays.stream(bareQueries)
                        .map(RecallLatencyBench::withTenantFilter)
                        .toArray(Query[]::new);

                for (int i = 0; i < warmup; i++) {
                    store.recall(RecallQuery.bm25(TENANT, queryTexts.get(i), k));
                    bareSearch(bare, bareQueries[i], k);
                    bareSearch(bare, filteredQueries[i], k);
                }
                java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
                long[] engram = new long[queries];
                long[] baseline = new long[queries];
                long[] engramCpu = new long[queries];
                long[] baselineCpu = new long[queries];
                long[] filtered = new long[queries];
                long[] filteredCpu = new long[queries];
                String[] engramTop = new String[queries];
                String[] baselineTop = new String[queries];
                int block = 100;
                for (int from = 0; from < queries; from += block) { // alternate blocks: same JIT, GC and cache state
                    int to = Math.min(queries, from + block);
                    for (int i = from; i < to; i++) {
                        long c = cpu.getCurrentThreadCpuTime();
                        long s = System.nanoTime();
                        RecallResult r = store.recall(RecallQuery.bm25(TENANT, queryTexts.get(warmup + i), k));
                        engram[i] = System.nanoTime() - s;
                        engramCpu[i] = cpu.getCurrentThreadCpuTime() - c;
                        engramTop[i] = r.ranked().isEmpty()
                                ? null
                                : r.ranked().get(0).match().caseId();
                    }
                    for (int i = from; i < to; i++) {
                        long c = cpu.getCurrentThreadCpuTime();
                        long s = System.nanoTime();
                        baselineTop[i] = bareSearch(bare, bareQueries[warmup + i], k);
                        baseline[i] = System.nanoTime() - s;
                        baselineCpu[i] = cpu.getCurrentThreadCpuTime() - c;
                    }
                    for (int i = from; i < to; i++) {
                        long c = cpu.getCurrentThreadCpuTime();
                        long s = System.nanoTime();
                        bareSearch(bare, filteredQueries[warmup + i], k);
                        filtered[i] = System.nanoTime() - s;
                        filteredCpu[i] = cpu.getCurrentThreadCpuTime() - c;
                    }
                }
                int same = 0;
                for (int i = 0; i < queries; i++) {
                    same += java.util.Objects.equals(engramTop[i], baselineTop[i]) ? 1 : 0;
                }
                System.out.printf(
                        Locale.ROOT,
                        "%nload average while measuring: %.1f on %d cores%n",
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                                .getSystemLoadAverage(),
                        Runtime.getRuntime().availableProcessors());
                print("wall-clock", engram, baseline, filtered);
                print("CPU time of the querying thread", engramCpu, baselineCpu, filteredCpu);
                System.out.printf(Locale.ROOT, "same top-1 case as the baseline: %d of %d queries%n", same, queries);
                double p99 = pct(sorted(engram), 99);
                System.out.printf(
                        Locale.ROOT,
                        "target p99 < 20 ms (wall-clock): %s (p99 %.3f ms)%n",
                        p99 < 20 ? "met" : "MISSED",
                        p99);
            }
        }
    }

    /** Baseline: the analysed query on the same index, top k, stored fields of the hits; returns the top-1 id. */
    private static String bareSearch(IndexSearcher searcher, Query query, int k) throws IOException {
        if (query == null) {
            return null;
        }
        TopDocs top = searcher.search(query, k);
        String first = null;
        for (int i = 0; i < top.scoreDocs.length; i++) {
            ScoreDoc sd = top.scoreDocs[i];
            String id = searcher.storedFields().document(sd.doc).get("case_id");
            if (i == 0) {
                first = id;
            }
        }
        return first;
    }

    /** The bare query restricted to the tenant the same way the store restricts it (a FILTER clause). */
    private static Query withTenantFilter(Query query) {
        if (query == null) {
            return null;
        }
        return new org.apache.lucene.search.BooleanQuery.Builder()
                .add(query, org.apache.lucene.search.BooleanClause.Occur.MUST)
                .add(
                        new org.apache.lucene.search.TermQuery(new org.apache.lucene.index.Term("tenant", TENANT)),
                        org.apache.lucene.search.BooleanClause.Occur.FILTER)
                .build();
    }

    private static void print(String what, long[] engram, long[] baseline, long[] filtered) {
        long[] e = sorted(engram);
        long[] b = sorted(baseline);
        long[] f = sorted(filtered);
        System.out.println();
        System.out.printf(
                Locale.ROOT, "%-32s %9s %9s %9s %9s%n", "BM25 recall, ms, " + what, "p50", "p99", "max", "mean");
        System.out.printf(
                Locale.ROOT,
                "%-32s %9.3f %9.3f %9.3f %9.3f%n",
                "engram LuceneCaseStore.recall",
                pct(e, 50),
                pct(e, 99),
                ms(e[e.length - 1]),
                mean(e));
        System.out.printf(
                Locale.ROOT,
                "%-32s %9.3f %9.3f %9.3f %9.3f%n",
                "bare Lucene IndexSearcher",
                pct(b, 50),
                pct(b, 99),
                ms(b[b.length - 1]),
                mean(b));
        System.out.printf(
                Locale.ROOT,
                "%-32s %9.3f %9.3f %9.3f %9.3f%n",
                "bare Lucene + tenant FILTER",
                pct(f, 50),
                pct(f, 99),
                ms(f[f.length - 1]),
                mean(f));
        System.out.printf(
                Locale.ROOT,
                "%-32s %8.2fx %8.2fx %8.2fx %8.2fx%n%n",
                "ratio engram / bare",
                pct(e, 50) / pct(b, 50),
                pct(e, 99) / pct(b, 99),
                (double) e[e.length - 1] / b[b.length - 1],
                mean(e) / mean(b));
    }

    private static double sizeMb(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum() / 1e6;
        }
    }

    static String stringArg(String[] args, String name, String def) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return def;
    }

    static int intArg(String[] args, String name, int def) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return def;
    }
}
