package dev.engram.memory;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * One case that a first-stage search returned, with what each search said about it. A
 * {@link Ranker} composes the final order from these.
 *
 * <p>A candidate either carries its case ({@link #Candidate(Case, int, double, int, double, float[])}),
 * or only its id, with the case read when {@link #match()} is first called ({@link #readOnDemand}).
 * A store's recall uses the second: ranking needs every candidate's id, ranks, scores and vector, but
 * the text, plan and outcome only of the few cases the recall returns, and reading a case's stored
 * fields is most of what reading a candidate costs. Either way {@link #match()} returns the same case.
 *
 * <pre>{@code
 * Candidate c = new Candidate(kase, 1, 11.3, 0, 0, null); // BM25 #1, not in the vector list
 * }</pre>
 */
public final class Candidate {
    private final String caseId;
    private final int bm25Rank;
    private final double bm25Score;
    private final int vectorRank;
    private final double cosine;
    private final float[] vector;
    private final Supplier<Case> reader;
    private volatile Case match;

    /**
     * A candidate with its case.
     *
     * @param match the case
     * @param bm25Rank 1-based rank in the BM25 list, 0 when BM25 did not return it
     * @param bm25Score the BM25 score (0 when not returned)
     * @param vectorRank 1-based rank in the vector list, 0 when the vector search did not return it
     * @param cosine the cosine similarity of the case vector to the query vector (0 when not returned)
     * @param vector the case's unit vector, or {@code null} when the case has none or it was not read
     */
    public Candidate(Case match, int bm25Rank, double bm25Score, int vectorRank, double cosine, float[] vector) {
        this(
                Objects.requireNonNull(match, "candidate.match is required").caseId(),
                null,
                match,
                bm25Rank,
                bm25Score,
                vectorRank,
                cosine,
                vector);
    }

    private Candidate(
            String caseId,
            Supplier<Case> reader,
            Case match,
            int bm25Rank,
            double bm25Score,
            int vectorRank,
            double cosine,
            float[] vector) {
        if (bm25Rank < 0 || vectorRank < 0) {
            throw new IllegalArgumentException("candidate ranks must be >= 0 (0 = not returned), were bm25 " + bm25Rank
                    + ", vector " + vectorRank);
        }
        if (bm25Rank == 0 && vectorRank == 0) {
            throw new IllegalArgumentException("candidate " + caseId + " was returned by no search");
        }
        if (!Double.isFinite(bm25Score) || !Double.isFinite(cosine)) {
            throw new IllegalArgumentException(
                    "candidate scores must be finite, were bm25 " + bm25Score + ", cosine " + cosine);
        }
        this.caseId = caseId;
        this.reader = reader;
        this.match = match;
        this.bm25Rank = bm25Rank;
        this.bm25Score = bm25Score;
        this.vectorRank = vectorRank;
        this.cosine = cosine;
        this.vector = vector;
    }

    /**
     * A candidate whose case is read by {@code reader} when {@link #match()} is first called (once;
     * the case must have id {@code caseId}). For stores: see the class comment.
     *
     * @param caseId the case's id
     * @param reader reads the case; it may be called from any thread that calls {@link #match()}
     */
    public static Candidate readOnDemand(
            String caseId,
            Supplier<Case> reader,
            int bm25Rank,
            double bm25Score,
            int vectorRank,
            double cosine,
            float[] vector) {
        if (caseId == null || caseId.isBlank()) {
            throw new IllegalArgumentException("candidate.caseId is required and must not be blank");
        }
        Objects.requireNonNull(reader, "candidate.reader is required");
        return new Candidate(caseId, reader, null, bm25Rank, bm25Score, vectorRank, cosine, vector);
    }

    /** The case, read now if it was not read yet (see {@link #readOnDemand}). */
    public Case match() {
        Case m = match;
        if (m == null) {
            synchronized (this) {
                m = match;
                if (m == null) {
                    m = Objects.requireNonNull(reader.get(), () -> "no case was read for candidate " + caseId);
                    if (!m.caseId().equals(caseId)) {
                        throw new IllegalStateException(
                                "candidate " + caseId + " was read as case " + m.caseId() + "; this is a store bug");
                    }
                    match = m;
                }
            }
        }
        return m;
    }

    /** Whether {@link #match()} will return without reading: the case came with the candidate or was read. */
    public boolean isRead() {
        return match != null;
    }

    /** The case id. */
    public String caseId() {
        return caseId;
    }

    /** 1-based rank in the BM25 list, 0 when BM25 did not return it. */
    public int bm25Rank() {
        return bm25Rank;
    }

    /** The BM25 score (0 when not returned). */
    public double bm25Score() {
        return bm25Score;
    }

    /** 1-based rank in the vector list, 0 when the vector search did not return it. */
    public int vectorRank() {
        return vectorRank;
    }

    /** The cosine similarity of the case vector to the query vector (0 when not returned). */
    public double cosine() {
        return cosine;
    }

    /** The case's unit vector, or {@code null} when the case has none or it was not read. */
    public float[] vector() {
        return vector;
    }

    /** The better of the two ranks (1-based). */
    public int bestRank() {
        int a = bm25Rank == 0 ? Integer.MAX_VALUE : bm25Rank;
        int b = vectorRank == 0 ? Integer.MAX_VALUE : vectorRank;
        return Math.min(a, b);
    }

    /** Equal when the cases, ranks and scores are equal and the vector is the same array (as a record compares). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Candidate c
                && c.bm25Rank == bm25Rank
                && Double.compare(c.bm25Score, bm25Score) == 0
                && c.vectorRank == vectorRank
                && Double.compare(c.cosine, cosine) == 0
                && c.vector == vector
                && c.caseId.equals(caseId)
                && c.match().equals(match());
    }

    @Override
    public int hashCode() {
        return Objects.hash(caseId, bm25Rank, bm25Score, vectorRank, cosine, System.identityHashCode(vector));
    }

    /** Shows the case only once it is read, so that printing a candidate reads nothing. */
    @Override
    public String toString() {
        return "Candidate[caseId=" + caseId + ", bm25Rank=" + bm25Rank + ", bm25Score=" + bm25Score + ", vectorRank="
                + vectorRank + ", cosine=" + cosine + (isRead() ? ", match=" + match : ", match not read yet") + "]";
    }
}
