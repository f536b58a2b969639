package dev.engram.streams;

import dev.engram.streams.internal.ChunkChecks;
import dev.engram.streams.internal.FieldChecks;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A self-contained, replayable training round for one tenant's retriever adapter: everything a
 * worker needs to train, evaluate and publish a candidate, with nothing to read but Kafka. It
 * travels on {@link Topics#TRAINING_JOBS} through {@link TrainingJobPublisher} (keyed by tenant,
 * chunked when its JSON is over {@link TrainingJobPublisher#INLINE_LIMIT_BYTES}) and is read back
 * with {@link TrainingJobAssembler}.
 *
 * <pre>{@code
 * TrainingJob job = new TrainingJob(TrainingJob.SCHEMA_VERSION, "acme-2025-01-31T12-00-00Z", "acme",
 *     "acme-retriever", 4L, 3L, "sentence-transformers/all-MiniLM-L6-v2",
 *     AdapterMethod.LORA_QUERY_SIDE, LoraTrainingConfig.defaults(), examples, heldOut, retention,
 *     clock.instant(), 1, null);
 * }</pre>
 *
 * <p>Exactly one adapter version per job: the scheduler assigns {@link #targetVersion()} and the
 * worker publishes the adapter as that version; a retried job ({@link #withAttempt}) therefore
 * re-publishes the same key instead of adding a version.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param jobId unique per job, {@link #JOB_ID_REGEX} (no '/': it is part of record keys)
 * @param tenant whose feedback it learns from, {@link EventLimits#TENANT_REGEX}
 * @param adapterName the adapter it trains, {@link AdapterPublished#ADAPTER_NAME_REGEX}, e.g.
 *     {@code "acme-retriever"}
 * @param targetVersion the version the trained adapter is published as; >= 1 and above
 *     {@code baseAdapterVersion}
 * @param baseAdapterVersion the version of {@code adapterName} to start from (the worker reads it
 *     from {@link Topics#ADAPTERS}); null to start from the base model
 * @param baseModelId the encoder, e.g. {@code "sentence-transformers/all-MiniLM-L6-v2"}
 * @param method query-side or symmetric LoRA; {@link AdapterMethod#POLICY_ONLY} asks for no
 *     adapter: the worker trains nothing and publishes the round's ranker policy alone (a job
 *     that reaches a worker without {@code rankerPolicy} has nothing to publish and is dead-lettered)
 * @param config adapter shape and training settings
 * @param examples 1 to {@link #MAX_EXAMPLES} training pairs
 * @param heldOut 1 to {@link #MAX_EVAL_QUERIES} judged queries kept out of training: the gate's
 *     nDCG@10 of candidate vs parent
 * @param retention 0 to {@link #MAX_EVAL_QUERIES} judged older queries, to catch forgetting
 * @param createdAt when the scheduler made the job
 * @param attempt 1 for the first try, +1 for each retry
 * @param rankerPolicy the ranker policy the scheduler fitted for this round (JSON, at most
 *     {@value #MAX_RANKER_POLICY_CHARS} characters), published with the adapter as its
 *     {@link AdapterFile#RANKER_POLICY} file so adapter and ranker are one version; {@code null} for
 *     none (the version then ranks with untuned fusion)
 */
public record TrainingJob(
        int schemaVersion,
        String jobId,
        String tenant,
        String adapterName,
        long targetVersion,
        Long baseAdapterVersion,
        String baseModelId,
        AdapterMethod method,
        LoraTrainingConfig config,
        List<TrainingExample> examples,
        List<HeldOutQuery> heldOut,
        List<HeldOutQuery> retention,
        Instant createdAt,
        int attempt,
        String rankerPolicy) {

    /** Longest ranker policy JSON: 16,384 characters. */
    public static final int MAX_RANKER_POLICY_CHARS = 16_384;

    /** The version of the job contract this code writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 1;

    /** What a job id looks like: 1-128 of {@code [A-Za-z0-9._:-]}, starting with a letter or digit. */
    public static final String JOB_ID_REGEX = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";

    /** Most training examples per job: 100,000. */
    public static final int MAX_EXAMPLES = 100_000;

    /** Most held-out (and most retention) queries per job: 10,000. */
    public static final int MAX_EVAL_QUERIES = 10_000;

    /** Longest base model id: 256 characters. */
    public static final int MAX_MODEL_ID_CHARS = 256;

    static final Pattern JOB_ID = Pattern.compile(JOB_ID_REGEX);

    public TrainingJob {
        if (schemaVersion > SCHEMA_VERSION) {
            throw new InvalidEventException(
                    "schemaVersion",
                    "version " + schemaVersion + " is newer than this reader understands (up to " + SCHEMA_VERSION
                            + "); upgrade Engram to read it");
        }
        ChunkChecks.atLeast("schemaVersion", schemaVersion, 1);
        ChunkChecks.requireMatch("jobId", jobId, JOB_ID, "1-128 of [A-Za-z0-9._:-] starting with a letter or digit");
        FieldChecks.requireTenant("tenant", tenant);
        ChunkChecks.requireMatch(
                "adapterName",
                adapterName,
                AdapterPublished.ADAPTER_NAME,
                "1-128 of [a-z0-9._-] starting with a letter or digit, e.g. 'acme-retriever'");
        ChunkChecks.atLeast("targetVersion", targetVersion, 1);
        if (baseAdapterVersion != null) {
            ChunkChecks.atLeast("baseAdapterVersion", baseAdapterVersion, 1);
            if (baseAdapterVersion >= targetVersion) {
                throw new InvalidEventException(
                        "targetVersion",
                        "must be above baseAdapterVersion " + baseAdapterVersion + ", was " + targetVersion);
            }
        }
        FieldChecks.requireText("baseModelId", baseModelId, MAX_MODEL_ID_CHARS);
        ChunkChecks.requireNonNull("method", method);
        if (method == AdapterMethod.LORA_CAUSAL_LM) {
            throw new InvalidEventException(
                    "method",
                    "must be one of [" + AdapterMethod.LORA_QUERY_SIDE + ", " + AdapterMethod.LORA_SYMMETRIC
                            + "], was '"
                            + method + "': training jobs train retriever adapters (an agent-model round is an "
                            + "AgentModelJob, \"kind\": \"agent-model\")");
        }
        ChunkChecks.requireNonNull("config", config);
        examples = ChunkChecks.list("examples", examples, 1, MAX_EXAMPLES);
        heldOut = ChunkChecks.list("heldOut", heldOut, 1, MAX_EVAL_QUERIES);
        retention = ChunkChecks.list("retention", retention, 0, MAX_EVAL_QUERIES);
        ChunkChecks.requireNonNull("createdAt", createdAt);
        ChunkChecks.atLeast("attempt", attempt, 1);
        if (rankerPolicy != null) {
            FieldChecks.requireText("rankerPolicy", rankerPolicy, MAX_RANKER_POLICY_CHARS);
        }
    }

    /** The same job for another try: only {@link #attempt()} changes. */
    public TrainingJob withAttempt(int attempt) {
        return new TrainingJob(
                schemaVersion,
                jobId,
                tenant,
                adapterName,
                targetVersion,
                baseAdapterVersion,
                baseModelId,
                method,
                config,
                examples,
                heldOut,
                retention,
                createdAt,
                attempt,
                rankerPolicy);
    }

    /** The same job carrying {@code rankerPolicy} (JSON), e.g. the round's fitted ranker policy. */
    public TrainingJob withRankerPolicy(String rankerPolicy) {
        return new TrainingJob(
                schemaVersion,
                jobId,
                tenant,
                adapterName,
                targetVersion,
                baseAdapterVersion,
                baseModelId,
                method,
                config,
                examples,
                heldOut,
                retention,
                createdAt,
                attempt,
                rankerPolicy);
    }

    @Override
    public String toString() {
        return "TrainingJob[" + jobId + ", tenant " + tenant + ", " + adapterName + " v" + targetVersion
                + " from " + (baseAdapterVersion == null ? "base " + baseModelId : "v" + baseAdapterVersion)
                + ", " + method + ", " + examples.size() + " examples, " + heldOut.size() + " held-out, "
                + retention.size() + " retention, attempt " + attempt + ", created " + createdAt + "]";
    }
}
