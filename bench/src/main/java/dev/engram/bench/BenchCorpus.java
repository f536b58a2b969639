package dev.engram.bench;

import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The text of the recall benchmarks: sentences of the Cranfield abstracts (classpath resource
 * {@code datasets/cranfield/cran.all.1400}) recombined into cases, and queries made of the Cranfield
 * queries and fragments of Cranfield sentences. Without the resource, seeded random Zipf-distributed
 * words stand in.
 */
final class BenchCorpus {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private BenchCorpus() {}

    /**
     * Case {@code i} of a bench tenant: task one random sentence, plan two, outcome one, a random
     * reward, and up to two judgements of earlier cases.
     *
     * @param sentenceIds the pool's sentences the case is made of, in text order
     */
    record BenchCase(Episode episode, int[] sentenceIds) {}

    static BenchCase benchCase(int i, String tenant, List<String> sentences, Random random) {
        List<Judgement> judgements = new ArrayList<>();
        for (int j = 0, n = i == 0 ? 0 : random.nextInt(3); j < n; j++) {
            judgements.add(new Judgement(
                    "case-" + random.nextInt(i), j + 1, random.nextInt(3) == 0 ? null : random.nextBoolean()));
        }
        int[] ids = new int[4];
        for (int s = 0; s < ids.length; s++) {
            ids[s] = random.nextInt(sentences.size());
        }
        Episode e = new Episode(
                "case-" + i,
                tenant,
                "agent-" + (i % 7),
                START.plusSeconds(i),
                sentences.get(ids[0]),
                sentences.get(ids[1]) + " " + sentences.get(ids[2]),
                sentences.get(ids[3]),
                random.nextInt(101) / 100.0,
                judgements);
        return new BenchCase(e, ids);
    }

    /** Sentences of at least five words from the Cranfield abstracts; empty when the resource is absent. */
    static List<String> cranfieldSentences() throws IOException {
        List<String> out = new ArrayList<>();
        for (String abstractText : sections("datasets/cranfield/cran.all.1400")) {
            for (String s : abstractText.split(" \\. ")) {
                String t = s.replace(" .", "").trim();
                if (t.split(" ").length >= 5) {
                    out.add(t + ".");
                }
            }
        }
        return out;
    }

    /** {@code n} sentences of seeded random words with a Zipf-like frequency, for when Cranfield is absent. */
    static List<String> randomSentences(Random r, int n) {
        String[] vocab = new String[5000];
        for (int i = 0; i < vocab.length; i++) {
            StringBuilder w = new StringBuilder();
            for (int c = 0, len = 3 + r.nextInt(7); c < len; c++) {
                w.append((char) ('a' + r.nextInt(26)));
            }
            vocab[i] = w.toString();
        }
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = 0, len = 8 + r.nextInt(15); j < len; j++) {
                int zipf = (int) Math.min(vocab.length - 1, Math.floor(Math.pow(vocab.length, r.nextDouble())) - 1);
                s.append(j == 0 ? "" : " ").append(vocab[zipf]);
            }
            out.add(s.append('.').toString());
        }
        return out;
    }

    /** The Cranfield queries first, then fragments (4 to 12 words) of random sentences; shuffled, {@code n} of them. */
    static List<String> queryTexts(List<String> sentences, Random r, int n) throws IOException {
        List<String> out = new ArrayList<>(sections("datasets/cranfield/cran.qry"));
        while (out.size() < n) {
            String[] words = sentences.get(r.nextInt(sentences.size())).split(" ");
            int len = Math.min(words.length, 4 + r.nextInt(9));
            int from = r.nextInt(words.length - len + 1);
            out.add(String.join(" ", Arrays.copyOfRange(words, from, from + len)));
        }
        List<String> shuffled = new ArrayList<>(out.subList(0, n));
        Collections.shuffle(shuffled, r);
        return shuffled;
    }

    /** The .W sections of a Cranfield file, whitespace collapsed; empty when the resource is absent. */
    private static List<String> sections(String resource) throws IOException {
        List<String> out = new ArrayList<>();
        InputStream in = BenchCorpus.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            return out;
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            StringBuilder current = null;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith(".")) {
                    if (current != null && !current.toString().isBlank()) {
                        out.add(current.toString().trim().replaceAll("\\s+", " "));
                    }
                    current = line.startsWith(".W") ? new StringBuilder() : null;
                } else if (current != null) {
                    current.append(' ').append(line);
                }
            }
            if (current != null && !current.toString().isBlank()) {
                out.add(current.toString().trim().replaceAll("\\s+", " "));
            }
        }
        return out;
    }
}
