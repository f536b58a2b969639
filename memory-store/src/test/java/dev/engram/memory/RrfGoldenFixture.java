package dev.engram.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A seeded store and a set of queries whose recalls (ids, scores and reasons of every case) were
 * recorded in {@code rrf-golden.txt} with the store as it was before recall got its ranking stage,
 * so that reciprocal rank fusion through {@link Ranker} can be checked to give exactly the same
 * results. Case ids are zero-padded in ingest order, so the old tie-break (Lucene doc id) and the new
 * one (case id) agree.
 */
final class RrfGoldenFixture {
    static final int DIMENSION = 16;
    private static final String[] WORDS = {
        "wing",
        "flutter",
        "boundary",
        "layer",
        "shock",
        "wave",
        "heat",
        "transfer",
        "nozzle",
        "supersonic",
        "pressure",
        "drag",
        "lift",
        "turbulent",
        "laminar",
        "cone",
        "plate",
        "stagnation",
        "vortex",
        "panel",
        "buckling",
        "cylinder",
        "jet",
        "mach",
        "hypersonic",
        "slender"
    };

    private RrfGoldenFixture() {}

    /** Ingests 400 cases into acme (a third without a vector, some judged) and 60 into globex. */
    static void ingest(CaseStore store) {
        Random r = new Random(20260301);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 460; i++) {
            String tenant = i % 8 == 7 ? "globex" : "acme";
            List<Judgement> judgements = new ArrayList<>();
            if (i > 20 && r.nextInt(4) == 0) {
                judgements.add(new Judgement(String.format(Locale.ROOT, "c%04d", r.nextInt(i)), 1, r.nextBoolean()));
            }
            double reward = Math.round(r.nextDouble() * 100) / 100.0;
            Episode e = new Episode(
                    String.format(Locale.ROOT, "c%04d", i),
                    tenant,
                    "agent",
                    t0.plusSeconds(i),
                    sentence(r, 8),
                    sentence(r, 6),
                    sentence(r, 3),
                    reward,
                    judgements);
            store.ingest(e, r.nextInt(3) == 0 ? null : SyntheticEpisodes.randomVector(r, DIMENSION));
        }
    }

    /** The query texts; each is recalled as BM25, hybrid and dense, with k 10 and 60. */
    static List<String> texts() {
        Random r = new Random(7);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            out.add(sentence(r, 2 + r.nextInt(4)));
        }
        return out;
    }

    /** A query vector for the i-th text. */
    static float[] vector(int i) {
        return SyntheticEpisodes.randomVector(new Random(1000 + i), DIMENSION);
    }

    /** One line per recalled case: query, rank, id, polarity, exact score and reason. */
    static String render(String query, RecallResult r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < r.ranked().size(); i++) {
            ScoredCase s = r.ranked().get(i);
            sb.append(query)
                    .append('\t')
                    .append(i + 1)
                    .append('\t')
                    .append(s.match().caseId())
                    .append('\t')
                    .append(r.positives().contains(s) ? '+' : '-')
                    .append('\t')
                    .append(s.score())
                    .append('\t')
                    .append(s.reason())
                    .append('\n');
        }
        return sb.toString();
    }

    private static String sentence(Random r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }
}
