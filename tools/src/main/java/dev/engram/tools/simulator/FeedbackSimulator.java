package dev.engram.tools.simulator;

import dev.engram.retriever.eval.Qrels;
import dev.engram.retriever.eval.Query;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.RetrievedCase;
import dev.engram.streams.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Simulates agents that give feedback on what a node recalls: for each feedback query, recalls the
 * top {@code k} cases through the node's HTTP API, judges each recalled case useful exactly when the
 * judgements give its document a gain above zero, and sends one {@link FeedbackEvent} to
 * {@value Topics#FEEDBACK}, keyed by tenant.
 *
 * <p>Each event has id {@link SimulatorConfig#eventId} ({@code sim-<tenant>-<queryId>-r<round>}),
 * the query text as its task, reward 1 when at least one recalled case is useful (else 0), and the
 * recalled cases with their rank and verdict. Rerunning a round sends the same ids, which the node
 * applies once, so the case statistics are not counted twice.
 *
 * <pre>{@code
 * FeedbackSimulator sim = new FeedbackSimulator(NodeRecall.of(node), node.bootstrapServers(),
 *         SimulatorConfig.cranfield("cranfield", 10));
 * SimulationResult sent = sim.run(split.feedback(), cranfield.qrels());
 * }</pre>
 */
public final class FeedbackSimulator {

    private final NodeRecall recall;
    private final KafkaConnection kafka;
    private final SimulatorConfig config;
    private final Clock clock;

    /** A simulator that recalls through {@code recall} and sends feedback to {@code bootstrapServers}. */
    public FeedbackSimulator(NodeRecall recall, String bootstrapServers, SimulatorConfig config) {
        this(recall, bootstrapServers, config, Clock.systemUTC());
    }

    /** As above, with the clock that stamps the events. */
    public FeedbackSimulator(NodeRecall recall, String bootstrapServers, SimulatorConfig config, Clock clock) {
        this(recall, kafka(bootstrapServers), config, clock);
    }

    /** A simulator that recalls through {@code recall}, whose cluster is reached over {@code kafka} (SASL, SSL). */
    public FeedbackSimulator(NodeRecall recall, KafkaConnection kafka, SimulatorConfig config) {
        this(recall, kafka, config, Clock.systemUTC());
    }

    /** As above, with the clock that stamps the events. */
    public FeedbackSimulator(NodeRecall recall, KafkaConnection kafka, SimulatorConfig config, Clock clock) {
        this.recall = Objects.requireNonNull(recall, "recall is required");
        this.kafka = Objects.requireNonNull(kafka, "kafka is required");
        this.config = Objects.requireNonNull(config, "config is required");
        this.clock = Objects.requireNonNull(clock, "clock is required");
    }

    private static KafkaConnection kafka(String bootstrapServers) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers is required, e.g. localhost:9092");
        }
        return KafkaConnection.of(bootstrapServers);
    }

    /** The configuration. */
    public SimulatorConfig config() {
        return config;
    }

    /**
     * The event that judges {@code rankedCaseIds}, recalled for {@code query}, by {@code qrels}.
     *
     * @param rankedCaseIds the recalled case ids, best first; no id twice
     */
    public FeedbackEvent judge(Query query, List<String> rankedCaseIds, Qrels qrels) {
        Map<String, Integer> gains = qrels.judged(query.id());
        List<RetrievedCase> retrieved = new ArrayList<>(rankedCaseIds.size());
        boolean anyUseful = false;
        for (int i = 0; i < rankedCaseIds.size(); i++) {
            String caseId = rankedCaseIds.get(i);
            String docId = config.docId(caseId);
            boolean useful = docId != null && gains.getOrDefault(docId, 0) > 0;
            anyUseful |= useful;
            retrieved.add(new RetrievedCase(caseId, i + 1, useful));
        }
        return FeedbackEvent.of(
                config.eventId(query.id()),
                config.tenant(),
                config.agentId(),
                clock.instant(),
                query.text(),
                null,
                null,
                anyUseful ? 1.0 : 0.0,
                retrieved);
    }

    /**
     * Recalls, judges and sends one event per query, then waits until the broker acknowledged all.
     *
     * @throws dev.engram.runtime.EngramApiException when a recall fails
     * @throws IllegalStateException when an event is not acknowledged
     */
    public SimulationResult run(List<Query> queries, Qrels qrels) {
        Objects.requireNonNull(queries, "queries is required");
        Objects.requireNonNull(qrels, "qrels is required");
        List<String> eventIds = new ArrayList<>(queries.size());
        List<Future<RecordMetadata>> acks = new ArrayList<>(queries.size());
        int judgements = 0;
        int useful = 0;
        int rewarded = 0;
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka)) {
            for (Query query : queries) {
                List<String> ranked = recall.rankedCaseIds(config.tenant(), query.text(), config.k());
                FeedbackEvent event = judge(query, ranked, qrels);
                acks.add(
                        producer.send(new ProducerRecord<>(Topics.FEEDBACK, event.tenant(), EventCodec.encode(event))));
                eventIds.add(event.eventId());
                judgements += event.retrieved().size();
                useful += (int) event.retrieved().stream()
                        .filter(r -> Boolean.TRUE.equals(r.useful()))
                        .count();
                rewarded += event.reward() > 0 ? 1 : 0;
            }
            producer.flush();
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "sending simulated feedback to " + Topics.FEEDBACK + " on " + kafka.describe() + " failed: "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending simulated feedback", e);
        }
        return new SimulationResult(eventIds, judgements, useful, rewarded);
    }
}
