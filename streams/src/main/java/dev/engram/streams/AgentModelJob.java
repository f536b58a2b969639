package dev.engram.streams;

import dev.engram.streams.internal.ChunkChecks;
import dev.engram.streams.internal.FieldChecks;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A self-contained round for one tenant's agent-model adapter (a LoRA for the agents' own
 * Llama-family model): the tenant's successful episodes and the texts of the cases they judged
 * useful, so a worker with the model needs nothing but Kafka. It travels on
 * {@link Topics#TRAINING_JOBS} beside {@link TrainingJob}s, told apart by {@link #kind()}
 * ({@code "agent-model"}), through {@link TrainingJobPublisher} (chunked when large) and
 * {@link TrainingJobAssembler} ({@link TrainingJobAssembler.Delivery.AgentModel}).
 *
 * <pre>{@code
 * AgentModelJob job = new AgentModelJob(AgentModelJob.SCHEMA_VERSION, AdapterKind.AGENT_MODEL,
 *     "acme-agent-model-v4", "acme", "acme-agent-model", 4L, 3L, 0.8, episodes, usefulCases,
 *     clock.instant(), 1);
 * }</pre>
 *
 * <p>Exactly one adapter version per job, as for retriever jobs: the worker publishes its
 * candidate as {@link #targetVersion()}, so a retried job re-publishes the same key.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param kind always {@link AdapterKind#AGENT_MODEL}: what tells this job from a retriever's on the topic
 * @param jobId unique per job, {@link TrainingJob#JOB_ID_REGEX}
 * @param tenant whose episodes it learns from
 * @param adapterName the agent-model adapter it trains, e.g. {@code "acme-agent-model"}
 * @param targetVersion the version the candidate is published as; above {@code baseAdapterVersion}
 * @param baseAdapterVersion the version serving now (promoted by its signed verdict): the worker
 *     gates against it and trains on from it; null for the base model
 * @param minReward episodes from this reward count as successful, in [0, 1]
 * @param episodes {@value #MIN_EPISODES} to {@value #MAX_EPISODES} of the tenant's successful
 *     feedback events (each with a plan), oldest first
 * @param usefulCases the texts of the cases the episodes judged useful (absent ones are left out
 *     of their prompt), at most {@value #MAX_CASES}
 * @param createdAt when the scheduler made the job
 * @param attempt 1 for the first try, +1 for each retry
 */
public record AgentModelJob(
        int schemaVersion,
        AdapterKind kind,
        String jobId,
        String tenant,
        String adapterName,
        long targetVersion,
        Long baseAdapterVersion,
        double minReward,
        List<FeedbackEvent> episodes,
        List<CaseText> usefulCases,
        Instant createdAt,
        int attempt) {

    /** The version of this job contract the code writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 1;

    /** Fewest episodes per job: 2 (one to train on, one held out). */
    public static final int MIN_EPISODES = 2;

    /** Most episodes per job: 10,000. */
    public static final int MAX_EPISODES = 10_000;

    /** Most useful case texts per job: 50,000. */
    public static final int MAX_CASES = 50_000;

    /**
     * A remembered case's text as the case memory stores it (task, plan and outcome).
     *
     * @param caseId the case (the event id that recorded it)
     * @param text its text, at most {@value #MAX_TEXT_CHARS} characters (a task, plan and outcome)
     */
    public record CaseText(String caseId, String text) {

        /** Longest case text: a task, a plan and an outcome at their limits, with two line breaks. */
        public static final int MAX_TEXT_CHARS =
                EventLimits.MAX_TASK_CHARS + EventLimits.MAX_PLAN_CHARS + EventLimits.MAX_OUTCOME_CHARS + 2;

        public CaseText {
            FieldChecks.requireText("caseId", caseId, EventLimits.MAX_ID_CHARS);
            FieldChecks.requireText("text", text, MAX_TEXT_CHARS);
        }
    }

    public AgentModelJob {
        FieldChecks.requireSchemaVersion("schemaVersion", schemaVersion, SCHEMA_VERSION);
        ChunkChecks.atLeast("schemaVersion", schemaVersion, 1);
        ChunkChecks.requireNonNull("kind", kind);
        if (kind != AdapterKind.AGENT_MODEL) {
            throw new InvalidEventException(
                    "kind",
                    "must be '" + AdapterKind.AGENT_MODEL + "' for an agent-model job, was '" + kind
                            + "' (retriever jobs have no kind field)");
        }
        ChunkChecks.requireMatch(
                "jobId", jobId, TrainingJob.JOB_ID, "1-128 of [A-Za-z0-9._:-] starting with a letter or digit");
        FieldChecks.requireTenant("tenant", tenant);
        ChunkChecks.requireMatch(
                "adapterName",
                adapterName,
                AdapterPublished.ADAPTER_NAME,
                "1-128 of [a-z0-9._-] starting with a letter or digit, e.g. 'acme-agent-model'");
        ChunkChecks.atLeast("targetVersion", targetVersion, 1);
        if (baseAdapterVersion != null) {
            ChunkChecks.atLeast("baseAdapterVersion", baseAdapterVersion, 1);
            if (baseAdapterVersion >= targetVersion) {
                throw new InvalidEventException(
                        "targetVersion",
                        "must be above baseAdapterVersion " + baseAdapterVersion + ", was " + targetVersion);
            }
        }
        ChunkChecks.finiteIn("minReward", minReward, 0, 1);
        episodes = ChunkChecks.list("episodes", episodes, MIN_EPISODES, MAX_EPISODES);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < episodes.size(); i++) {
            FeedbackEvent e = episodes.get(i);
            if (!e.tenant().equals(tenant)) {
                throw new InvalidEventException(
                        "episodes[" + i + "].tenant", "must be the job's tenant " + tenant + ", was " + e.tenant());
            }
            if (!ids.add(e.eventId())) {
                throw new InvalidEventException(
                        "episodes[" + i + "].eventId", "episode " + e.eventId() + " appears twice");
            }
        }
        usefulCases = ChunkChecks.list("usefulCases", usefulCases, 0, MAX_CASES);
        ChunkChecks.requireNonNull("createdAt", createdAt);
        ChunkChecks.atLeast("attempt", attempt, 1);
    }

    /** The same job for another try: only {@link #attempt()} changes. */
    public AgentModelJob withAttempt(int attempt) {
        return new AgentModelJob(
                schemaVersion,
                kind,
                jobId,
                tenant,
                adapterName,
                targetVersion,
                baseAdapterVersion,
                minReward,
                episodes,
                usefulCases,
                createdAt,
                attempt);
    }

    @Override
    public String toString() {
        return "AgentModelJob[" + jobId + ", tenant " + tenant + ", " + adapterName + " v" + targetVersion
                + " from " + (baseAdapterVersion == null ? "the base model" : "v" + baseAdapterVersion) + ", "
                + episodes.size() + " episodes, " + usefulCases.size() + " useful cases, attempt " + attempt
                + ", created " + createdAt + "]";
    }
}
