package dev.engram.memory;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What the first stage of a recall found: the union of the BM25 list and the vector list (each up
 * to the query's candidate depth), one {@link Candidate} per case, in the store's order (BM25 rank,
 * then vector rank). The lists themselves are derivable: {@link #bm25()} and {@link #vector()}.
 *
 * @param query the query that produced them
 * @param candidates every case either search returned, each once
 */
public record CandidateLists(RecallQuery query, List<Candidate> candidates) {
    public CandidateLists {
        Objects.requireNonNull(query, "candidateLists.query is required");
        candidates = List.copyOf(Objects.requireNonNull(candidates, "candidateLists.candidates is required"));
    }

    /** The candidates BM25 returned, in BM25 order. */
    public List<Candidate> bm25() {
        return candidates.stream()
                .filter(c -> c.bm25Rank() > 0)
                .sorted(Comparator.comparingInt(Candidate::bm25Rank))
                .toList();
    }

    /** The candidates the vector search returned, in vector order. */
    public List<Candidate> vector() {
        return candidates.stream()
                .filter(c -> c.vectorRank() > 0)
                .sorted(Comparator.comparingInt(Candidate::vectorRank))
                .toList();
    }

    /** Whether nothing was found. */
    public boolean isEmpty() {
        return candidates.isEmpty();
    }
}
