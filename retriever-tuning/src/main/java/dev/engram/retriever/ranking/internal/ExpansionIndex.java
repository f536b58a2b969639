package dev.engram.retriever.ranking.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Cases expanded by the texts of the past tasks that judged them: for each case, one document of
 * the words of every task that found it useful and one of every task that found it useless
 * (doc2query-style document expansion, with the agents' own tasks as the queries). Scored with
 * BM25 (k1 1.2, b 0.75, Lucene's idf) over all those documents, the words analysed as the case
 * store analyses them ({@code EnglishAnalyzer}: stopwords, Porter stemming). Immutable.
 */
public final class ExpansionIndex {

    private static final double K1 = 1.2;
    private static final double B = 0.75;
    private static final Analyzer ANALYZER = new EnglishAnalyzer();

    /** One expansion document: its term frequencies, its length and how many tasks wrote it. */
    private record Doc(Map<String, Integer> tf, int length, int tasks) {}

    private final Map<String, Doc> useful;
    private final Map<String, Doc> useless;
    private final Map<String, Integer> df;
    private final int docs;
    private final double avgLength;

    /** One past task: its analysed words and the cases it judged. */
    public record Task(List<String> terms, Set<String> useful, Set<String> useless) {}

    private ExpansionIndex(Map<String, Doc> useful, Map<String, Doc> useless) {
        this.useful = useful;
        this.useless = useless;
        this.df = new HashMap<>();
        long total = 0;
        for (Map<String, Doc> side : List.of(useful, useless)) {
            for (Doc d : side.values()) {
                d.tf().keySet().forEach(t -> df.merge(t, 1, Integer::sum));
                total += d.length();
            }
        }
        this.docs = useful.size() + useless.size();
        this.avgLength = docs == 0 ? 0 : (double) total / docs;
    }

    /** The index of {@code tasks}' words over the cases they judged. */
    public static ExpansionIndex of(List<Task> tasks) {
        Map<String, Map<String, Integer>> usefulTf = new HashMap<>();
        Map<String, Integer> usefulTasks = new HashMap<>();
        Map<String, Map<String, Integer>> uselessTf = new HashMap<>();
        Map<String, Integer> uselessTasks = new HashMap<>();
        for (Task t : tasks) {
            if (t.terms().isEmpty()) {
                continue;
            }
            for (String c : t.useful()) {
                Map<String, Integer> tf = usefulTf.computeIfAbsent(c, k -> new HashMap<>());
                t.terms().forEach(term -> tf.merge(term, 1, Integer::sum));
                usefulTasks.merge(c, 1, Integer::sum);
            }
            for (String c : t.useless()) {
                Map<String, Integer> tf = uselessTf.computeIfAbsent(c, k -> new HashMap<>());
                t.terms().forEach(term -> tf.merge(term, 1, Integer::sum));
                uselessTasks.merge(c, 1, Integer::sum);
            }
        }
        return new ExpansionIndex(docs(usefulTf, usefulTasks), docs(uselessTf, uselessTasks));
    }

    private static Map<String, Doc> docs(Map<String, Map<String, Integer>> tfs, Map<String, Integer> tasks) {
        Map<String, Doc> out = new HashMap<>();
        tfs.forEach((c, tf) -> out.put(
                c,
                new Doc(
                        Map.copyOf(tf),
                        tf.values().stream().mapToInt(Integer::intValue).sum(),
                        tasks.get(c))));
        return out;
    }

    /** The distinct analysed words of {@code text}, in order (stopwords dropped, Porter-stemmed). */
    public static List<String> terms(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        try (TokenStream ts = ANALYZER.tokenStream("text", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                out.add(term.toString());
            }
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException("analysing a task's text", e);
        }
        return new ArrayList<>(out);
    }

    /** Whether no case has an expansion document (then every score is 0). */
    public boolean isEmpty() {
        return docs == 0;
    }

    /** BM25 of {@code terms} against the case's useful-side document; 0 when it has none. */
    public double usefulScore(List<String> terms, String caseId) {
        return bm25(terms, useful.get(caseId));
    }

    /** BM25 of {@code terms} against the case's useless-side document; 0 when it has none. */
    public double uselessScore(List<String> terms, String caseId) {
        return bm25(terms, useless.get(caseId));
    }

    /** How many past tasks judged the case useful. */
    public int usefulTasks(String caseId) {
        Doc d = useful.get(caseId);
        return d == null ? 0 : d.tasks();
    }

    /** How many past tasks judged the case useless. */
    public int uselessTasks(String caseId) {
        Doc d = useless.get(caseId);
        return d == null ? 0 : d.tasks();
    }

    /**
     * The most BM25 can give {@code terms} here (every term matched with unbounded frequency):
     * {@code Σ idf · (k1 + 1)}, the unit in which a case's expansion score is expressed.
     */
    public double ceiling(List<String> terms) {
        double sum = 0;
        for (String t : terms) {
            sum += idf(t) * (K1 + 1);
        }
        return sum;
    }

    private double bm25(List<String> terms, Doc doc) {
        if (doc == null || terms.isEmpty()) {
            return 0;
        }
        double norm = K1 * (1 - B + B * doc.length() / avgLength);
        double score = 0;
        for (String t : terms) {
            Integer f = doc.tf().get(t);
            if (f != null) {
                score += idf(t) * f * (K1 + 1) / (f + norm);
            }
        }
        return score;
    }

    private double idf(String term) {
        int n = df.getOrDefault(term, 0);
        return Math.log(1 + (docs - n + 0.5) / (n + 0.5));
    }
}
