package dev.engram.memory;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link CaseStore}; every default lives in {@link #defaults()}.
 *
 * <pre>{@code
 * CaseStoreConfig config = CaseStoreConfig.defaults()
 *         .withCommitEveryEvents(500)
 *         .withQuantizedVectors(true);
 * CaseStoreConfig fromFile = CaseStoreConfig.fromMap(Map.of("commit.every.events", "500"));
 * }</pre>
 *
 * @param commitEveryEvents commit after this many applied episodes ({@value #DEFAULT_COMMIT_EVERY_EVENTS});
 *     key {@code commit.every.events}
 * @param commitInterval commit when uncommitted changes are this old (1 s); key {@code commit.interval.ms}
 * @param vectorDimension length of case and query vectors ({@value #DEFAULT_VECTOR_DIMENSION}, MiniLM);
 *     key {@code vector.dimension}
 * @param quantizedVectors store vectors with int8 scalar quantization
 *     ({@code Lucene99HnswScalarQuantizedVectorsFormat}; false); key {@code vector.quantized}
 * @param positiveRewardThreshold reward at or above which a case is positive and a {@code null}
 *     judgement counts as useful ({@value #DEFAULT_POSITIVE_REWARD_THRESHOLD}); key {@code positive.reward.threshold}
 * @param minJudgementsForUsefulness judgements a case needs before "mostly judged useless" can make
 *     it negative ({@value #DEFAULT_MIN_JUDGEMENTS_FOR_USEFULNESS}); key {@code usefulness.min.judgements}
 * @param rrfK the k of the store's default ranker, reciprocal-rank fusion: score = sum of 1 / (k + rank)
 *     ({@value #DEFAULT_RRF_K}); key {@code rrf.k}. How deep each search goes is the query's
 *     {@link RecallQuery#depth()}.
 * @param clock time source of the commit policy (system UTC; not configurable by key)
 */
public record CaseStoreConfig(
        int commitEveryEvents,
        Duration commitInterval,
        int vectorDimension,
        boolean quantizedVectors,
        double positiveRewardThreshold,
        int minJudgementsForUsefulness,
        int rrfK,
        Clock clock) {

    public static final int DEFAULT_COMMIT_EVERY_EVENTS = 1000;
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_VECTOR_DIMENSION = 384;
    public static final double DEFAULT_POSITIVE_REWARD_THRESHOLD = 0.5;
    public static final int DEFAULT_MIN_JUDGEMENTS_FOR_USEFULNESS = 3;
    public static final int DEFAULT_RRF_K = ReciprocalRankFusion.DEFAULT_K;

    /** Lucene's limit on vector dimensions. */
    public static final int MAX_VECTOR_DIMENSION = 1024;

    public CaseStoreConfig {
        if (commitEveryEvents < 1) {
            throw new IllegalArgumentException(
                    "caseStoreConfig.commitEveryEvents must be >= 1, was " + commitEveryEvents);
        }
        Objects.requireNonNull(commitInterval, "caseStoreConfig.commitInterval is required");
        if (commitInterval.isNegative()) {
            throw new IllegalArgumentException(
                    "caseStoreConfig.commitInterval must not be negative, was " + commitInterval);
        }
        if (vectorDimension < 1 || vectorDimension > MAX_VECTOR_DIMENSION) {
            throw new IllegalArgumentException("caseStoreConfig.vectorDimension must be in [1, " + MAX_VECTOR_DIMENSION
                    + "], was " + vectorDimension);
        }
        if (!(positiveRewardThreshold >= 0.0 && positiveRewardThreshold <= 1.0)) {
            throw new IllegalArgumentException(
                    "caseStoreConfig.positiveRewardThreshold must be in [0, 1], was " + positiveRewardThreshold);
        }
        if (minJudgementsForUsefulness < 1) {
            throw new IllegalArgumentException(
                    "caseStoreConfig.minJudgementsForUsefulness must be >= 1, was " + minJudgementsForUsefulness);
        }
        if (rrfK < 1) {
            throw new IllegalArgumentException("caseStoreConfig.rrfK must be >= 1, was " + rrfK);
        }
        Objects.requireNonNull(clock, "caseStoreConfig.clock is required");
    }

    /** The defaults listed on each component. */
    public static CaseStoreConfig defaults() {
        return new CaseStoreConfig(
                DEFAULT_COMMIT_EVERY_EVENTS,
                DEFAULT_COMMIT_INTERVAL,
                DEFAULT_VECTOR_DIMENSION,
                false,
                DEFAULT_POSITIVE_REWARD_THRESHOLD,
                DEFAULT_MIN_JUDGEMENTS_FOR_USEFULNESS,
                DEFAULT_RRF_K,
                Clock.systemUTC());
    }

    /**
     * The defaults overridden by the given keys (see each component for its key).
     *
     * @throws IllegalArgumentException on an unknown key or a value that does not parse
     */
    public static CaseStoreConfig fromMap(Map<String, String> settings) {
        CaseStoreConfig c = defaults();
        for (Map.Entry<String, String> e : new LinkedHashMap<>(settings).entrySet()) {
            String v = e.getValue() == null ? "" : e.getValue().trim();
            try {
                c = switch (e.getKey()) {
                    case "commit.every.events" -> c.withCommitEveryEvents(Integer.parseInt(v));
                    case "commit.interval.ms" -> c.withCommitInterval(Duration.ofMillis(Long.parseLong(v)));
                    case "vector.dimension" -> c.withVectorDimension(Integer.parseInt(v));
                    case "vector.quantized" -> c.withQuantizedVectors(parseBoolean(v));
                    case "positive.reward.threshold" -> c.withPositiveRewardThreshold(Double.parseDouble(v));
                    case "usefulness.min.judgements" -> c.withMinJudgementsForUsefulness(Integer.parseInt(v));
                    case "rrf.k" -> c.withRrfK(Integer.parseInt(v));
                    default ->
                        throw new IllegalArgumentException("unknown case store setting '" + e.getKey()
                                + "'; known: commit.every.events, commit.interval.ms, vector.dimension, vector.quantized, "
                                + "positive.reward.threshold, usefulness.min.judgements, rrf.k");
                };
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(
                        "case store setting '" + e.getKey() + "' must be a number, was '" + v + "'", ex);
            }
        }
        return c;
    }

    private static boolean parseBoolean(String v) {
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException(
                "case store setting 'vector.quantized' must be true or false, was '" + v + "'");
    }

    public CaseStoreConfig withCommitEveryEvents(int v) {
        return new CaseStoreConfig(
                v,
                commitInterval,
                vectorDimension,
                quantizedVectors,
                positiveRewardThreshold,
                minJudgementsForUsefulness,
                rrfK,
                clock);
    }

    public CaseStoreConfig withCommitInterval(Duration v) {
        return new CaseStoreConfig(
                commitEveryEvents,
                v,
                vectorDimension,
                quantizedVectors,
                positiveRewardThreshold,
                minJudgementsForUsefulness,
                rrfK,
                clock);
    }

    public CaseStoreConfig withVectorDimension(int v) {
        return new CaseStoreConfig(
                commitEveryEvents,
                commitInterval,
                v,
                quantizedVectors,
                positiveRewardThreshold,
                minJudgementsForUsefulness,
                rrfK,
                clock);
    }

    public CaseStoreConfig withQuantizedVectors(boolean v) {
        return new CaseStoreConfig(
                commitEveryEvents,
                commitInterval,
                vectorDimension,
                v,
                positiveRewardThreshold,
                minJudgementsForUsefulness,
                rrfK,
                clock);
    }

    public CaseStoreConfig withPositiveRewardThreshold(double v) {
        return new CaseStoreConfig(
                commitEveryEvents,
                commitInterval,
                vectorDimension,
                quantizedVectors,
                v,
                minJudgementsForUsefulness,
                rrfK,
                clock);
    }

    public CaseStoreConfig withMinJudgementsForUsefulness(int v) {
        return new CaseStoreConfig(
                commitEveryEvents,
                commitInterval,
                vectorDimension,
                quantizedVectors,
                positiveRewardThreshold,
                v,
                rrfK,
                clock);
    }

    public CaseStoreConfig withRrfK(int v) {
        return new CaseStoreConfig(
                commitEveryEvents,
                commitInterval,
                vectorDimension,
                quantizedVectors,
                positiveRewardThreshold,
                minJudgementsForUsefulness,
                v,
                clock);
    }

    public CaseStoreConfig withClock(Clock v) {
        return new CaseStoreConfig(
                commitEveryEvents,
                commitInterval,
                vectorDimension,
                quantizedVectors,
                positiveRewardThreshold,
                minJudgementsForUsefulness,
                rrfK,
                v);
    }

    /**
     * Whether a case is positive (see {@link RecallResult}): reward at or above the threshold and,
     * once judged at least {@code minJudgementsForUsefulness} times, judged useful at least half the time.
     */
    public boolean isPositive(Case c) {
        if (c.reward() < positiveRewardThreshold) {
            return false;
        }
        return c.timesRecalled() < minJudgementsForUsefulness || 2 * c.timesUseful() >= c.timesRecalled();
    }
}
