package dev.engram.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AgentModelJob;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.RetrievedCase;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobAssembler;
import dev.engram.streams.TrainingJobAssembler.Delivery;
import dev.engram.streams.TrainingJobPublisher;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Training jobs of any size through a real broker. */
class TrainingJobTransportTest {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.startTemporary();
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aLargeJobIsChunkedAndComesBackWholeInTheTenantsPartition() throws Exception {
        TrainingJob job = ContinualSamples.job("job-large", 600, 4_000);
        int jsonBytes = ContinualCodec.encode(job).length;
        assertThat(jsonBytes).isGreaterThan(2 * 1024 * 1024);
        try (TrainingJobPublisher jobs = TrainingJobPublisher.transactional(kafka.bootstrapServers(), "test-jobs");
                KafkaProducer<String, byte[]> plain = KafkaClientFactory.producer(kafka.bootstrapServers())) {
            int defaultPartition = plain.send(new ProducerRecord<>(Topics.TRAINING_JOBS, "acme", new byte[] {1}))
                    .get()
                    .partition();
            TopicPartition tp = new TopicPartition(Topics.TRAINING_JOBS, defaultPartition);
            long from = ContinualSamples.endOffset(kafka.bootstrapServers(), tp);

            RecordMetadata header = jobs.publish(job);

            assertThat(header.partition())
                    .as("the partition the default partitioner picks for the tenant")
                    .isEqualTo(defaultPartition);
            List<ConsumerRecord<String, byte[]>> records =
                    ContinualSamples.readFrom(kafka.bootstrapServers(), tp, from, header.offset());
            int chunks = (jsonBytes + 384 * 1024 - 1) / (384 * 1024);
            assertThat(records).hasSize(chunks + 1);
            assertThat(records.get(0).key()).isEqualTo("acme/job-large/chunk-0");
            assertThat(records.get(chunks).key()).isEqualTo("acme");

            TrainingJobAssembler assembler = new TrainingJobAssembler();
            List<Delivery> out = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                out.addAll(assembler.accept(r));
                if (r.offset() < header.offset()) {
                    assertThat(assembler.committableOffset(tp, r.offset() + 1))
                            .as("never past a waiting chunk")
                            .isEqualTo(records.get(0).offset());
                }
            }
            assertThat(out).containsExactly(new Delivery.Job(job, header.offset()));
            assertThat(assembler.committableOffset(tp, header.offset() + 1)).isEqualTo(header.offset() + 1);
            assertThat(assembler.pendingChunkBytes()).isZero();
        }
    }

    @Test
    void aLargeAgentModelJobIsChunkedAndComesBackAsItsOwnKindBesideARetrieverJob() throws Exception {
        List<FeedbackEvent> episodes = new ArrayList<>();
        List<AgentModelJob.CaseText> cases = new ArrayList<>();
        String plan = "check the payment log, refund the duplicate charge and tell the customer ".repeat(40);
        for (int i = 0; i < 300; i++) {
            episodes.add(new FeedbackEvent(
                    FeedbackEvent.SCHEMA_VERSION,
                    "ep-" + i,
                    "acme",
                    "bot",
                    Instant.parse("2026-11-28T10:00:00Z").plusSeconds(i),
                    "customer " + i + " was charged twice",
                    plan,
                    "refunded",
                    0.9,
                    i == 0 ? List.of() : List.of(new RetrievedCase("ep-" + (i - 1), 1, true))));
            cases.add(new AgentModelJob.CaseText("ep-" + i, "customer " + i + " was charged twice\n" + plan));
        }
        AgentModelJob job = new AgentModelJob(
                AgentModelJob.SCHEMA_VERSION,
                AdapterKind.AGENT_MODEL,
                "acme-agent-model-v2",
                "acme",
                "acme-agent-model",
                2,
                1L,
                0.8,
                episodes,
                cases,
                Instant.parse("2026-11-28T11:00:00Z"),
                1);
        assertThat(ContinualCodec.encode(job).length).isGreaterThan(1024 * 1024);
        TrainingJob retriever = ContinualSamples.job("job-beside", 3, 50);
        try (TrainingJobPublisher jobs =
                TrainingJobPublisher.transactional(kafka.bootstrapServers(), "test-agent-jobs")) {
            RecordMetadata first = jobs.publish(retriever);
            RecordMetadata header = jobs.publish(job);
            TopicPartition tp = new TopicPartition(Topics.TRAINING_JOBS, header.partition());
            List<ConsumerRecord<String, byte[]>> records =
                    ContinualSamples.readFrom(kafka.bootstrapServers(), tp, first.offset(), header.offset());
            assertThat(records.size())
                    .as("the retriever job, the agent-model job's chunks and header")
                    .isGreaterThan(3);
            TrainingJobAssembler assembler = new TrainingJobAssembler();
            List<Delivery> out = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                out.addAll(assembler.accept(r));
            }
            assertThat(out)
                    .containsExactly(
                            new Delivery.Job(retriever, first.offset()), new Delivery.AgentModel(job, header.offset()));
        }
        assertThatThrownBy(() -> ContinualCodec.decodeTrainingJob(ContinualCodec.encode(job)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("agent-model job")
                .hasMessageContaining("decodeAgentModelJob");
        assertThat(ContinualCodec.decodeAgentModelJob(ContinualCodec.encode(job)))
                .isEqualTo(job);
    }

    @Test
    void aSmallJobIsOneRecordKeyedByTenant() throws Exception {
        TrainingJob job = ContinualSamples.job("job-small", 3, 50);
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka.bootstrapServers())) {
            RecordMetadata at = TrainingJobPublisher.over(producer).publish(job);
            TopicPartition tp = new TopicPartition(at.topic(), at.partition());
            List<ConsumerRecord<String, byte[]>> records =
                    ContinualSamples.readFrom(kafka.bootstrapServers(), tp, at.offset(), at.offset());
            assertThat(records).singleElement().satisfies(r -> {
                assertThat(r.key()).isEqualTo("acme");
                assertThat(ContinualCodec.decodeTrainingJob(r.value())).isEqualTo(job);
                assertThat(new TrainingJobAssembler().accept(r)).containsExactly(new Delivery.Job(job, r.offset()));
            });
        }
    }

    @Test
    void aCorruptedJobChunkIsRejectedWithItsReason() throws Exception {
        TrainingJob job = ContinualSamples.job("job-corrupt", 300, 4_000);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(ContinualSamples.recordsOf(job));
        ProducerRecord<String, byte[]> chunk = records.get(1);
        byte[] value = chunk.value().clone();
        int at = new String(value, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("\"bytes\":\"") + 20;
        value[at] = (byte) (value[at] == 'A' ? 'B' : 'A');
        records.set(1, new ProducerRecord<>(chunk.topic(), chunk.partition(), chunk.key(), value));
        long first = ContinualSamples.produce(kafka.bootstrapServers(), records);
        TopicPartition tp =
                new TopicPartition(Topics.TRAINING_JOBS, records.get(0).partition());

        TrainingJobAssembler assembler = new TrainingJobAssembler();
        List<Delivery> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r :
                ContinualSamples.readFrom(kafka.bootstrapServers(), tp, first, first + records.size() - 1)) {
            out.addAll(assembler.accept(r));
        }
        assertThat(out).singleElement().isInstanceOfSatisfying(Delivery.Rejected.class, r -> {
            assertThat(r.key()).isEqualTo("acme");
            assertThat(r.reason()).startsWith("training job job-corrupt (attempt 1) not delivered: checksum mismatch");
        });
    }
}
