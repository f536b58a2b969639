package dev.engram.streams;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where feedback events go, and so what Kafka's ACLs can guarantee about who wrote them.
 *
 * <table>
 *   <caption>Layouts</caption>
 *   <tr><th>layout</th><th>topics</th><th>guarantee</th></tr>
 *   <tr><td>{@link #SHARED} (default)</td><td>{@value Topics#FEEDBACK}</td><td>any producer allowed to
 *       write the topic can write feedback for <i>any</i> tenant: the topic trusts its producers</td></tr>
 *   <tr><td>{@link #PER_TENANT}</td><td>{@code engram.feedback.<tenant>}</td><td>a producer can write
 *       only the tenants whose topics its ACLs allow (e.g. a prefixed WRITE ACL on
 *       {@code engram.feedback.acme}); the node reads every such topic by pattern and dead-letters a
 *       record whose {@code tenant} is not its topic's, so one tenant's producer cannot reach another
 *       tenant's memory</td></tr>
 * </table>
 *
 * <pre>{@code
 * FeedbackTopicLayout layout = FeedbackTopicLayout.parse("per-tenant");
 * producer.send(new ProducerRecord<>(layout.topicFor(event.tenant()), event.tenant(), EventCodec.encode(event)));
 * consumer.subscribe(layout.subscription());
 * }</pre>
 */
public enum FeedbackTopicLayout {

    /** One topic, {@value Topics#FEEDBACK}, for every tenant. */
    SHARED("shared"),

    /** One topic per tenant, {@code engram.feedback.<tenant>}. */
    PER_TENANT("per-tenant");

    private final String wireName;

    FeedbackTopicLayout(String wireName) {
        this.wireName = wireName;
    }

    /** The name in settings and on the command line: {@code shared} or {@code per-tenant}. */
    public String wireName() {
        return wireName;
    }

    /** The topic a feedback event of {@code tenant} goes to. */
    public String topicFor(String tenant) {
        return this == SHARED ? Topics.FEEDBACK : Topics.tenantFeedback(tenant);
    }

    /** What a node subscribes to: the shared topic, or every per-tenant topic (by pattern). */
    public Pattern subscription() {
        return this == SHARED ? Pattern.compile(Pattern.quote(Topics.FEEDBACK)) : Topics.TENANT_FEEDBACK_TOPICS;
    }

    /**
     * The only tenant whose events may come from {@code topic}: in the per-tenant layout the tenant in
     * the topic's name; empty in the shared layout (any tenant) or for a topic of neither layout.
     */
    public Optional<String> tenantOf(String topic) {
        if (this == SHARED
                || topic == null
                || !Topics.TENANT_FEEDBACK_TOPICS.matcher(topic).matches()) {
            return Optional.empty();
        }
        return Optional.of(topic.substring(Topics.TENANT_FEEDBACK_PREFIX.length()));
    }

    /**
     * The layout named {@code name} ({@code shared} or {@code per-tenant}, case-insensitive).
     *
     * @throws IllegalArgumentException naming the layouts there are
     */
    public static FeedbackTopicLayout parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return Arrays.stream(values())
                .filter(l -> l.wireName.equals(n))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("feedback topic layout: must be one of "
                        + Arrays.stream(values())
                                .map(FeedbackTopicLayout::wireName)
                                .toList() + ", was '" + name + "'"));
    }
}
