package dev.engram.node.testing;

import dev.engram.node.EngramNode;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.RetrievedCase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A tenant on the shared node with four cases (three rewarded well, one badly; one judged useful
 * twice, one judged not useful once) and two signed versions of its adapter, both promoted by the
 * node's gate on their published figures (held-out nDCG@10 .40 → .41 → .43).
 */
public final class TenantFixture {

    private TenantFixture() {}

    /** Sends it all and waits until the node has stored the cases and listed both versions. */
    public static void create(EngramNode node, String tenant) {
        Instant t0 = Instant.parse("2026-03-01T09:00:00Z");
        List<FeedbackEvent> events = List.of(
                FeedbackEvent.of(
                        tenant + "-refund",
                        tenant,
                        "support-bot",
                        t0,
                        "customer was charged twice for one order",
                        "refund the duplicate payment",
                        "refunded",
                        0.9,
                        List.of()),
                FeedbackEvent.of(
                        tenant + "-escalate",
                        tenant,
                        "support-bot",
                        t0.plusSeconds(1),
                        "customer charged twice, card blocked",
                        "escalate to the bank",
                        "no answer for a week",
                        0.1,
                        List.of()),
                FeedbackEvent.of(
                        tenant + "-judge-1",
                        tenant,
                        "support-bot",
                        t0.plusSeconds(2),
                        "double charge on the invoice",
                        "refund the duplicate payment",
                        "refunded",
                        0.8,
                        List.of(
                                new RetrievedCase(tenant + "-refund", 1, true),
                                new RetrievedCase(tenant + "-escalate", 2, false))),
                FeedbackEvent.of(
                        tenant + "-judge-2",
                        tenant,
                        "support-bot",
                        t0.plusSeconds(3),
                        "charged two times",
                        "refund",
                        "refunded",
                        0.7,
                        List.of(new RetrievedCase(tenant + "-refund", 1, true))));
        Produced.send(
                SharedKafka.bootstrapServers(),
                events.stream()
                        .map(e -> new FeedbackStream.Item(e.tenant(), EventCodec.encode(e), e, false, null))
                        .toList());
        String adapter = tenant + "-retriever";
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers())) {
            AdapterPublisher publisher = AdapterPublisher.over(producer);
            publisher.publish(
                    version(adapter, tenant, 1, null, new AdapterMetrics(0.41, 0.40, 40, 0.39, 0.39, 20, Map.of())));
            publisher.publish(
                    version(adapter, tenant, 2, 1L, new AdapterMetrics(0.43, 0.41, 44, 0.39, 0.39, 20, Map.of())));
        }
        Await.until(
                "the cases of " + tenant + " to be stored and judged and both adapter versions listed",
                Duration.ofMinutes(2),
                () -> node.store().count(tenant) == 4
                        && node.store()
                                .get(tenant, tenant + "-refund")
                                .map(c -> c.timesUseful() == 2)
                                .orElse(false)
                        && node.adapters().adapter(adapter) != null
                        && node.adapters().adapter(adapter).versions().size() == 2
                        && Long.valueOf(2)
                                .equals(node.adapters().adapter(adapter).serving()));
    }

    private static AdapterPublished version(
            String adapter, String tenant, long version, Long parent, AdapterMetrics metrics) {
        return TestWorker.sign(AdapterPublished.of(
                adapter,
                tenant,
                version,
                parent,
                "test-model",
                AdapterMethod.LORA_QUERY_SIDE,
                LoraTrainingConfig.defaults(),
                metrics,
                AdapterStatus.CANDIDATE,
                "",
                "job-" + adapter + "-" + version,
                List.of(
                        new AdapterFile(AdapterFile.PEFT_CONFIG, "{}".getBytes(StandardCharsets.UTF_8)),
                        new AdapterFile(AdapterFile.PEFT_WEIGHTS, new byte[8])),
                Instant.parse("2026-03-01T10:00:00Z").plusSeconds(version)));
    }
}
