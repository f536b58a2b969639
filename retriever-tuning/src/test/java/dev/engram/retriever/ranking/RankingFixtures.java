package dev.engram.retriever.ranking;

import dev.engram.memory.Candidate;
import dev.engram.memory.CandidateLists;
import dev.engram.memory.Case;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import java.time.Instant;
import java.util.List;

/** Hand-built cases, candidates and queries for the ranker tests: no store, no encoder. */
final class RankingFixtures {

    static final String TENANT = "acme";
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private RankingFixtures() {}

    static Case caseOf(String id) {
        return new Case(id, TENANT, "agent", "task of " + id, "", "", 0.5, T0, T0, 0, 0);
    }

    /** A candidate returned by both searches, or by one when its rank is 0. */
    static Candidate candidate(
            String id, int bm25Rank, double bm25Score, int vectorRank, double cosine, float[] vector) {
        return new Candidate(caseOf(id), bm25Rank, bm25Score, vectorRank, cosine, vector);
    }

    /** A candidate that BM25 returned at {@code rank} with {@code score}, with no vector hit. */
    static Candidate bm25Only(String id, int rank, double score) {
        return candidate(id, rank, score, 0, 0, null);
    }

    /** The one place a test builds a {@link RecallQuery}. */
    static RecallQuery query(String tenant, float[] vector) {
        return vector == null
                ? RecallQuery.bm25(tenant, "a task", 10)
                : RecallQuery.hybrid(tenant, "a task", vector, 10);
    }

    static RecallQuery query(float[] vector) {
        return query(TENANT, vector);
    }

    static CandidateLists lists(RecallQuery query, Candidate... candidates) {
        return new CandidateLists(query, List.of(candidates));
    }

    static List<String> ids(List<RankedCandidate> ranked) {
        return ranked.stream().map(r -> r.candidate().caseId()).toList();
    }

    static RankedCandidate find(List<RankedCandidate> ranked, String caseId) {
        return ranked.stream()
                .filter(r -> r.candidate().caseId().equals(caseId))
                .findFirst()
                .orElseThrow();
    }

    static float[] vec(double... xs) {
        float[] v = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            v[i] = (float) xs[i];
        }
        return v;
    }

    /** The five BM25-only candidates a (best) … e with scores 10, 8, 6, 4, 2: scaled 1, .75, .5, .25, 0. */
    static CandidateLists fiveByBm25(RecallQuery query) {
        return lists(
                query,
                bm25Only("a", 1, 10),
                bm25Only("b", 2, 8),
                bm25Only("c", 3, 6),
                bm25Only("d", 4, 4),
                bm25Only("e", 5, 2));
    }

    /** BM25 alone: the base ranker of the re-ranking tests, with an order that is easy to read. */
    static Ranker bm25Base() {
        return new ScoreFusion(1.0);
    }
}
