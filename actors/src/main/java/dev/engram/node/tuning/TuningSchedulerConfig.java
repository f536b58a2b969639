package dev.engram.node.tuning;

import dev.engram.streams.AdapterMethod;
import dev.engram.streams.LoraTrainingConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link TuningScheduler}s of a node, validated on construction; the defaults live
 * here and nowhere else:
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code enabled}</td><td>true</td><td>schedule training rounds at all</td></tr>
 *   <tr><td>{@code minNewJudged}</td><td>200</td><td>N: a round starts once this many new judged
 *       episodes arrived for the tenant</td></tr>
 *   <tr><td>{@code maxInterval}</td><td>1 h</td><td>T: a round also starts when this long passed
 *       since the last one (or since the scheduler started) ...</td></tr>
 *   <tr><td>{@code minNewForInterval}</td><td>1</td><td>... and at least this many new judged
 *       episodes arrived</td></tr>
 *   <tr><td>{@code tickInterval}</td><td>5 s</td><td>how often the T condition and the job time
 *       limit are checked</td></tr>
 *   <tr><td>{@code jobTimeout}</td><td>45 min</td><td>a job with no outcome on the stream (a
 *       published adapter or a dead letter) after this long counts as failed</td></tr>
 *   <tr><td>{@code method}</td><td>query-side LoRA</td><td>what the jobs train; {@code POLICY_ONLY}: no adapter, each round publishes its fitted ranker policy alone</td></tr>
 *   <tr><td>{@code lora}</td><td>{@link LoraTrainingConfig#defaults()}</td><td>how a round continues
 *       ({@code continuation}, {@link LoraTrainingConfig.Continuation#DEFAULT}), adapter shape and
 *       training settings of the jobs</td></tr>
 *   <tr><td>{@code baseModelId}</td><td>{@value #DEFAULT_BASE_MODEL}</td><td>the encoder</td></tr>
 *   <tr><td>{@code heldOutFraction}</td><td>0.2</td><td>share of the round's new judged queries
 *       kept out of training for the evaluation gate (seeded)</td></tr>
 *   <tr><td>{@code maxHeldOutQueries}</td><td>200</td><td>cap on held-out queries</td></tr>
 *   <tr><td>{@code retentionQueries}</td><td>100</td><td>judged queries of earlier rounds sampled to
 *       catch forgetting</td></tr>
 *   <tr><td>{@code maxExamples}</td><td>20,000</td><td>cap on training examples per job (new
 *       feedback first, then a replay of older feedback)</td></tr>
 *   <tr><td>{@code replayFraction}</td><td>0.5</td><td>the replay of the strategies that continue
 *       from the serving adapter ({@code lora.continuation()} other than {@code retrain-from-base},
 *       which trains on all remembered feedback up to {@code maxExamples}): a seeded sample of
 *       examples from earlier rounds' feedback, at most this many per new example (0 = none)</td></tr>
 *   <tr><td>{@code maxHardNegatives}</td><td>4</td><td>hard negatives per example</td></tr>
 *   <tr><td>{@code historyLimit}</td><td>50,000</td><td>judged episodes a scheduler remembers per
 *       tenant for replay and retention (oldest dropped first)</td></tr>
 *   <tr><td>{@code breakerMinimumJobs}</td><td>3</td><td>finished jobs before the circuit breaker
 *       judges the failure rate</td></tr>
 *   <tr><td>{@code breakerFailureRate}</td><td>50 %</td><td>failure rate (timeouts and dead
 *       letters) over the last {@code breakerMinimumJobs * 2} jobs that opens it</td></tr>
 *   <tr><td>{@code breakerOpenFor}</td><td>10 min</td><td>how long it stays open before one trial
 *       round (half-open)</td></tr>
 *   <tr><td>{@code inNodeWorker}</td><td>null</td><td>run a training worker inside the node;
 *       {@code null}: only when the node runs the embedded broker</td></tr>
 *   <tr><td>{@code workerGroupId}</td><td>{@value #DEFAULT_WORKER_GROUP}</td><td>consumer group of
 *       the in-node worker</td></tr>
 *   <tr><td>{@code idleAfter}</td><td>10 min</td><td>a tenant's scheduler with no job in flight, fewer
 *       than {@code minNewForInterval} new judged episodes and a closed breaker stops after this long
 *       without a message, and its judged feedback leaves the heap; the next event for the tenant
 *       starts it again from the judged-feedback log, with its round counters</td></tr>
 *   <tr><td>{@code residentTenants}</td><td>{@value JudgedRecallLog#DEFAULT_RESIDENT_TENANTS}</td><td>most
 *       tenants whose judged feedback (and judged-task memory) is in the heap at once; others are read
 *       from disk when used</td></tr>
 * </table>
 *
 * <pre>{@code
 * TuningSchedulerConfig tuning = TuningSchedulerConfig.builder()
 *         .minNewJudged(50).maxInterval(Duration.ofMinutes(10))
 *         .lora(new LoraTrainingConfig(8, 16, 0.1, List.of("query", "value"), false, false, 2, 32, 5e-4, 42, 128))
 *         .build();
 * }</pre>
 */
public record TuningSchedulerConfig(
        boolean enabled,
        int minNewJudged,
        Duration maxInterval,
        int minNewForInterval,
        Duration tickInterval,
        Duration jobTimeout,
        AdapterMethod method,
        LoraTrainingConfig lora,
        String baseModelId,
        double heldOutFraction,
        int maxHeldOutQueries,
        int retentionQueries,
        int maxExamples,
        double replayFraction,
        int maxHardNegatives,
        int historyLimit,
        int breakerMinimumJobs,
        float breakerFailureRate,
        Duration breakerOpenFor,
        Boolean inNodeWorker,
        String workerGroupId,
        Duration idleAfter,
        int residentTenants) {

    /** The encoder the jobs adapt. */
    public static final String DEFAULT_BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2";
    /** The consumer group workers join by default. */
    public static final String DEFAULT_WORKER_GROUP = "engram-workers";
    /** Appended to the tenant to name its retriever adapter. */
    public static final String ADAPTER_SUFFIX = "-retriever";

    public TuningSchedulerConfig {
        atLeast("minNewJudged", minNewJudged, 1);
        positive("maxInterval", maxInterval);
        atLeast("minNewForInterval", minNewForInterval, 1);
        positive("tickInterval", tickInterval);
        positive("jobTimeout", jobTimeout);
        Objects.requireNonNull(method, "tuningSchedulerConfig.method is required");
        Objects.requireNonNull(lora, "tuningSchedulerConfig.lora is required (LoraTrainingConfig.defaults())");
        if (baseModelId == null || baseModelId.isBlank()) {
            throw new IllegalArgumentException(
                    "tuningSchedulerConfig.baseModelId is required, e.g. " + DEFAULT_BASE_MODEL);
        }
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException(
                    "tuningSchedulerConfig.heldOutFraction must be in (0, 1), was " + heldOutFraction);
        }
        atLeast("maxHeldOutQueries", maxHeldOutQueries, 1);
        atLeast("retentionQueries", retentionQueries, 0);
        atLeast("maxExamples", maxExamples, 1);
        if (!(replayFraction >= 0 && replayFraction <= 10)) {
            throw new IllegalArgumentException(
                    "tuningSchedulerConfig.replayFraction must be in [0, 10], was " + replayFraction);
        }
        atLeast("maxHardNegatives", maxHardNegatives, 0);
        atLeast("historyLimit", historyLimit, 1);
        atLeast("breakerMinimumJobs", breakerMinimumJobs, 1);
        if (!(breakerFailureRate > 0 && breakerFailureRate <= 100)) {
            throw new IllegalArgumentException(
                    "tuningSchedulerConfig.breakerFailureRate must be in (0, 100] percent, was " + breakerFailureRate);
        }
        positive("breakerOpenFor", breakerOpenFor);
        if (workerGroupId == null || !workerGroupId.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException(
                    "tuningSchedulerConfig.workerGroupId must be 1-200 of [A-Za-z0-9._-], was " + workerGroupId);
        }
        positive("idleAfter", idleAfter);
        atLeast("residentTenants", residentTenants, 1);
    }

    /** Every default (see the table above). */
    public static TuningSchedulerConfig defaults() {
        return builder().build();
    }

    /** Scheduling switched off: no scheduler, no in-node worker. */
    public static TuningSchedulerConfig disabled() {
        return builder().enabled(false).inNodeWorker(false).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The retriever adapter's name for a tenant: {@code <tenant>-retriever}. */
    public static String adapterName(String tenant) {
        return tenant + ADAPTER_SUFFIX;
    }

    /** Whether a node runs a worker, given whether it runs the embedded broker. */
    public boolean runsWorker(boolean embeddedBroker) {
        return inNodeWorker == null ? embeddedBroker : inNodeWorker;
    }

    /** A builder seeded with this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.enabled = enabled;
        b.minNewJudged = minNewJudged;
        b.maxInterval = maxInterval;
        b.minNewForInterval = minNewForInterval;
        b.tickInterval = tickInterval;
        b.jobTimeout = jobTimeout;
        b.method = method;
        b.lora = lora;
        b.baseModelId = baseModelId;
        b.heldOutFraction = heldOutFraction;
        b.maxHeldOutQueries = maxHeldOutQueries;
        b.retentionQueries = retentionQueries;
        b.maxExamples = maxExamples;
        b.replayFraction = replayFraction;
        b.maxHardNegatives = maxHardNegatives;
        b.historyLimit = historyLimit;
        b.breakerMinimumJobs = breakerMinimumJobs;
        b.breakerFailureRate = breakerFailureRate;
        b.breakerOpenFor = breakerOpenFor;
        b.inNodeWorker = inNodeWorker;
        b.workerGroupId = workerGroupId;
        b.idleAfter = idleAfter;
        b.residentTenants = residentTenants;
        return b;
    }

    private static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(
                    "tuningSchedulerConfig." + field + " must be >= " + min + ", was " + value);
        }
    }

    private static void positive(String field, Duration d) {
        Objects.requireNonNull(d, "tuningSchedulerConfig." + field + " is required");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("tuningSchedulerConfig." + field + " must be positive, was " + d);
        }
    }

    /** Builds a {@link TuningSchedulerConfig}; every setter is optional and documented on the record. */
    public static final class Builder {
        private boolean enabled = true;
        private int minNewJudged = 200;
        private Duration maxInterval = Duration.ofHours(1);
        private int minNewForInterval = 1;
        private Duration tickInterval = Duration.ofSeconds(5);
        private Duration jobTimeout = Duration.ofMinutes(45);
        private AdapterMethod method = AdapterMethod.LORA_QUERY_SIDE;
        private LoraTrainingConfig lora = LoraTrainingConfig.defaults();
        private String baseModelId = DEFAULT_BASE_MODEL;
        private double heldOutFraction = 0.2;
        private int maxHeldOutQueries = 200;
        private int retentionQueries = 100;
        private int maxExamples = 20_000;
        private double replayFraction = 0.5;
        private int maxHardNegatives = 4;
        private int historyLimit = 50_000;
        private int breakerMinimumJobs = 3;
        private float breakerFailureRate = 50f;
        private Duration breakerOpenFor = Duration.ofMinutes(10);
        private Boolean inNodeWorker;
        private String workerGroupId = DEFAULT_WORKER_GROUP;
        private Duration idleAfter = Duration.ofMinutes(10);
        private int residentTenants = JudgedRecallLog.DEFAULT_RESIDENT_TENANTS;

        private Builder() {}

        /** How long an idle tenant's scheduler waits before it stops (and its feedback leaves the heap). */
        public Builder idleAfter(Duration v) {
            idleAfter = v;
            return this;
        }

        /** Most tenants whose judged feedback is in the heap at once. */
        public Builder residentTenants(int v) {
            residentTenants = v;
            return this;
        }

        public Builder enabled(boolean v) {
            enabled = v;
            return this;
        }

        public Builder minNewJudged(int v) {
            minNewJudged = v;
            return this;
        }

        public Builder maxInterval(Duration v) {
            maxInterval = v;
            return this;
        }

        public Builder minNewForInterval(int v) {
            minNewForInterval = v;
            return this;
        }

        public Builder tickInterval(Duration v) {
            tickInterval = v;
            return this;
        }

        public Builder jobTimeout(Duration v) {
            jobTimeout = v;
            return this;
        }

        public Builder method(AdapterMethod v) {
            method = v;
            return this;
        }

        public Builder lora(LoraTrainingConfig v) {
            lora = v;
            return this;
        }

        public Builder baseModelId(String v) {
            baseModelId = v;
            return this;
        }

        public Builder heldOutFraction(double v) {
            heldOutFraction = v;
            return this;
        }

        public Builder maxHeldOutQueries(int v) {
            maxHeldOutQueries = v;
            return this;
        }

        public Builder retentionQueries(int v) {
            retentionQueries = v;
            return this;
        }

        public Builder maxExamples(int v) {
            maxExamples = v;
            return this;
        }

        public Builder replayFraction(double v) {
            replayFraction = v;
            return this;
        }

        public Builder maxHardNegatives(int v) {
            maxHardNegatives = v;
            return this;
        }

        public Builder historyLimit(int v) {
            historyLimit = v;
            return this;
        }

        public Builder breakerMinimumJobs(int v) {
            breakerMinimumJobs = v;
            return this;
        }

        public Builder breakerFailureRate(float percent) {
            breakerFailureRate = percent;
            return this;
        }

        public Builder breakerOpenFor(Duration v) {
            breakerOpenFor = v;
            return this;
        }

        /** {@code null}: a worker runs in the node exactly when the node runs the embedded broker. */
        public Builder inNodeWorker(Boolean v) {
            inNodeWorker = v;
            return this;
        }

        public Builder workerGroupId(String v) {
            workerGroupId = v;
            return this;
        }

        /** Validates and builds; throws {@link IllegalArgumentException} naming the bad setting. */
        public TuningSchedulerConfig build() {
            return new TuningSchedulerConfig(
                    enabled,
                    minNewJudged,
                    maxInterval,
                    minNewForInterval,
                    tickInterval,
                    jobTimeout,
                    method,
                    lora,
                    baseModelId,
                    heldOutFraction,
                    maxHeldOutQueries,
                    retentionQueries,
                    maxExamples,
                    replayFraction,
                    maxHardNegatives,
                    historyLimit,
                    breakerMinimumJobs,
                    breakerFailureRate,
                    breakerOpenFor,
                    inNodeWorker,
                    workerGroupId,
                    idleAfter,
                    residentTenants);
        }
    }
}
