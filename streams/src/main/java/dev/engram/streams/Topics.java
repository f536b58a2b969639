package dev.engram.streams;

import static org.apache.kafka.common.config.TopicConfig.CLEANUP_POLICY_COMPACT;
import static org.apache.kafka.common.config.TopicConfig.CLEANUP_POLICY_CONFIG;
import static org.apache.kafka.common.config.TopicConfig.CLEANUP_POLICY_DELETE;
import static org.apache.kafka.common.config.TopicConfig.MAX_MESSAGE_BYTES_CONFIG;
import static org.apache.kafka.common.config.TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG;
import static org.apache.kafka.common.config.TopicConfig.RETENTION_MS_CONFIG;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;

/**
 * Engram's topics: names and how each is configured, declared once here. {@link #all()} is what
 * {@link TopicAdmin#ensureTopics} creates and what {@link KafkaClientFactory} sizes requests by.
 *
 * <table>
 *   <caption>Topics</caption>
 *   <tr><th>topic</th><th>key</th><th>partitions</th><th>cleanup</th><th>retention</th><th>max message</th></tr>
 *   <tr><td>{@value #FEEDBACK}</td><td>tenant</td><td>4</td><td>delete</td><td>forever</td><td>1 MiB</td></tr>
 *   <tr><td>{@value #DEAD_LETTERS}</td><td>original key</td><td>1</td><td>delete</td><td>30 days</td><td>2 MiB</td></tr>
 *   <tr><td>{@value #TRAINING_JOBS}</td><td>tenant</td><td>4</td><td>delete</td><td>7 days</td><td>1 MiB</td></tr>
 *   <tr><td>{@value #ADAPTERS}</td><td>adapter name</td><td>1</td><td>compact</td><td>latest per key</td><td>8 MiB</td></tr>
 *   <tr><td>{@value #TRAINING_PROGRESS}</td><td>job id</td><td>1</td><td>delete</td><td>1 day</td><td>1 MiB</td></tr>
 *   <tr><td>{@value #CASE_VECTORS}</td><td>tenant/case id</td><td>4</td><td>compact</td><td>latest per key</td><td>1 MiB</td></tr>
 * </table>
 *
 * <p>Why these numbers: feedback is kept forever because Kafka is the source of truth and the case
 * memory is rebuilt from it; its 1 MiB message limit sits well above the 256 KiB
 * {@link EventLimits#MAX_EVENT_JSON_BYTES} so that an oversized event still arrives and is
 * dead-lettered with a reason instead of failing in the producer. Dead letters carry the original
 * bytes base64-encoded (4/3 larger), hence 2 MiB. Adapters are compacted so that a new node reads
 * only the latest version of each adapter, and their payloads are large. Case vectors are compacted
 * for the same reason, and have as many partitions as feedback: a record goes to the partition of
 * its tenant ({@code murmur2(tenant)}, as feedback does), so a node taking over feedback partition
 * N finds the vectors of its cases in partition N.
 *
 * <p>Replication is left to the cluster's {@code default.replication.factor}
 * ({@link TopicSpec#BROKER_DEFAULT_REPLICATION}): 1 on the embedded broker, whatever the operator
 * chose on a real cluster.
 */
public final class Topics {

    /** {@link FeedbackEvent}s from agents, keyed by tenant. */
    public static final String FEEDBACK = "engram.feedback";

    /**
     * The prefix of the per-tenant feedback topics, {@code engram.feedback.<tenant>}, used by the
     * {@link FeedbackTopicLayout#PER_TENANT} layout: a producer's ACLs can then name its tenants'
     * topics (a prefixed ACL), which Kafka enforces.
     */
    public static final String TENANT_FEEDBACK_PREFIX = FEEDBACK + ".";

    /** The names of the per-tenant feedback topics: {@value #TENANT_FEEDBACK_PREFIX} and a tenant. */
    public static final Pattern TENANT_FEEDBACK_TOPICS =
            Pattern.compile(Pattern.quote(TENANT_FEEDBACK_PREFIX) + EventLimits.TENANT_REGEX);

    /** {@link DeadLetter}s: records that could not be processed, with the reason. */
    public static final String DEAD_LETTERS = "engram.dead-letters";

    /** Training jobs for the worker group. */
    public static final String TRAINING_JOBS = "engram.training-jobs";

    /** Published adapters; compacted, key = adapter name, so the latest of each survives. */
    public static final String ADAPTERS = "engram.adapters";

    /** Progress reports of running training jobs. */
    public static final String TRAINING_PROGRESS = "engram.training-progress";

    /**
     * {@link CaseVector}s: the changelog of the vectors nodes computed for their cases; compacted,
     * key = {@code tenant/caseId}, partitioned by tenant like {@value #FEEDBACK}.
     */
    public static final String CASE_VECTORS = "engram.case-vectors";

    /** Kafka's own default {@code max.message.bytes} (1 MiB plus record-batch overhead). */
    public static final int BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;

    private static final int MIB = 1024 * 1024;

    private static final List<TopicSpec> ALL = List.of(
            spec(
                    FEEDBACK,
                    4,
                    Map.of(
                            CLEANUP_POLICY_CONFIG,
                            CLEANUP_POLICY_DELETE,
                            RETENTION_MS_CONFIG,
                            "-1",
                            MAX_MESSAGE_BYTES_CONFIG,
                            String.valueOf(MIB))),
            spec(
                    DEAD_LETTERS,
                    1,
                    Map.of(
                            CLEANUP_POLICY_CONFIG, CLEANUP_POLICY_DELETE,
                            RETENTION_MS_CONFIG, millis(Duration.ofDays(30)),
                            MAX_MESSAGE_BYTES_CONFIG, String.valueOf(2 * MIB))),
            spec(
                    TRAINING_JOBS,
                    4,
                    Map.of(
                            CLEANUP_POLICY_CONFIG, CLEANUP_POLICY_DELETE,
                            RETENTION_MS_CONFIG, millis(Duration.ofDays(7)),
                            MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MIB))),
            spec(
                    ADAPTERS,
                    1,
                    Map.of(
                            CLEANUP_POLICY_CONFIG,
                            CLEANUP_POLICY_COMPACT,
                            MIN_CLEANABLE_DIRTY_RATIO_CONFIG,
                            "0.1",
                            MAX_MESSAGE_BYTES_CONFIG,
                            String.valueOf(8 * MIB))),
            spec(
                    TRAINING_PROGRESS,
                    1,
                    Map.of(
                            CLEANUP_POLICY_CONFIG, CLEANUP_POLICY_DELETE,
                            RETENTION_MS_CONFIG, millis(Duration.ofDays(1)),
                            MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MIB))),
            spec(
                    CASE_VECTORS,
                    4,
                    Map.of(
                            CLEANUP_POLICY_CONFIG,
                            CLEANUP_POLICY_COMPACT,
                            MIN_CLEANABLE_DIRTY_RATIO_CONFIG,
                            "0.1",
                            MAX_MESSAGE_BYTES_CONFIG,
                            String.valueOf(MIB))));

    private Topics() {}

    /** Every Engram topic with its partitions and configs, in a fixed order. */
    public static List<TopicSpec> all() {
        return ALL;
    }

    /**
     * The spec of one Engram topic.
     *
     * @throws NoSuchElementException when {@code name} is not one of the constants here
     */
    public static TopicSpec spec(String name) {
        return ALL.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no Engram topic named '" + name + "'; known: "
                        + ALL.stream().map(TopicSpec::name).toList()));
    }

    /**
     * The feedback topic of one tenant in the {@link FeedbackTopicLayout#PER_TENANT} layout:
     * {@code engram.feedback.<tenant>}.
     *
     * @throws IllegalArgumentException when {@code tenant} is not a valid tenant
     */
    public static String tenantFeedback(String tenant) {
        if (tenant == null || !EventLimits.TENANT_PATTERN.matcher(tenant).matches()) {
            throw new IllegalArgumentException(
                    "tenant: must match " + EventLimits.TENANT_REGEX + ", was '" + tenant + "'");
        }
        return TENANT_FEEDBACK_PREFIX + tenant;
    }

    /** The spec of {@link #tenantFeedback(String)}: the same partitions and configs as {@value #FEEDBACK}. */
    public static TopicSpec tenantFeedbackSpec(String tenant) {
        TopicSpec shared = spec(FEEDBACK);
        return new TopicSpec(tenantFeedback(tenant), shared.partitions(), shared.replicationFactor(), shared.configs());
    }

    /** The largest {@code max.message.bytes} over {@link #all()}: what a producer must be able to send. */
    public static int largestMaxMessageBytes() {
        return ALL.stream().mapToInt(TopicSpec::maxMessageBytes).max().orElseThrow();
    }

    private static TopicSpec spec(String name, int partitions, Map<String, String> configs) {
        return new TopicSpec(name, partitions, TopicSpec.BROKER_DEFAULT_REPLICATION, configs);
    }

    private static String millis(Duration duration) {
        return String.valueOf(duration.toMillis());
    }
}
