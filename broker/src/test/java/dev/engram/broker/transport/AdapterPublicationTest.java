package dev.engram.broker.transport;

import static dev.engram.broker.transport.ContinualSamples.adapters;
import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterAssembler.Delivery;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobPublisher;
import dev.engram.streams.TrainingProgress;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Publishing adapters on a real broker and reading them back whole. */
class AdapterPublicationTest {

    private static final int THREE_MIB = 3 * 1024 * 1024;

    private static EmbeddedKafka kafka;
    private static AdapterPublisher publisher;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.startTemporary();
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
        publisher = AdapterPublisher.transactional(kafka.bootstrapServers(), "test-adapter-publisher");
    }

    @AfterAll
    static void stopBroker() {
        if (publisher != null) {
            publisher.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aThreeMebibyteAdapterIsChunkedPublishedAndReassembledIntact() throws Exception {
        AdapterPublished adapter = ContinualSamples.adapter("big-retriever", 1, THREE_MIB, 11);
        long from = ContinualSamples.endOffset(kafka.bootstrapServers(), adapters());

        RecordMetadata header = publisher.publish(adapter);

        List<ConsumerRecord<String, byte[]>> records =
                ContinualSamples.readFrom(kafka.bootstrapServers(), adapters(), from, header.offset());
        List<String> keys = records.stream().map(ConsumerRecord::key).toList();
        int chunks = (int) Math.ceil((double) adapter.payloadSize() / AdapterPublisher.CHUNK_BYTES);
        assertThat(chunks).isEqualTo(9);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            expected.add("big-retriever/v1/chunk-" + i);
        }
        expected.add("big-retriever/v1");
        assertThat(keys).as("chunks first, header last").containsExactlyElementsOf(expected);
        assertThat(records.get(records.size() - 1).offset()).isEqualTo(header.offset());
        assertThat(records)
                .as("every record under the smallest topic limit (1 MiB)")
                .allSatisfy(r -> assertThat(r.value().length).isLessThan(600 * 1024));

        AdapterAssembler assembler = new AdapterAssembler();
        List<Delivery> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            List<Delivery> d = assembler.accept(r);
            if (r != records.get(records.size() - 1)) {
                assertThat(d).as("nothing before the header").isEmpty();
            }
            out.addAll(d);
        }
        assertThat(out).hasSize(1);
        AdapterPublished back = ((Delivery.Adapter) out.get(0)).adapter();
        assertThat(back).isEqualTo(adapter);
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (AdapterFile f : back.files()) {
            payload.write(f.bytes());
        }
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload.toByteArray()));
        assertThat(back.payloadSha256()).isEqualTo(sha).isEqualTo(adapter.payloadSha256());
        assertThat(back.file(AdapterFile.PEFT_WEIGHTS).orElseThrow().size()).isEqualTo(THREE_MIB);
        assertThat(assembler.pendingChunkBytes()).isZero();
    }

    @Test
    void aSmallAdapterTravelsInlineInOneRecord() {
        AdapterPublished adapter = ContinualSamples.adapter("small-retriever", 2, 64 * 1024, 12);
        long from = ContinualSamples.endOffset(kafka.bootstrapServers(), adapters());
        long last = publisher.publish(adapter).offset();
        List<ConsumerRecord<String, byte[]>> records =
                ContinualSamples.readFrom(kafka.bootstrapServers(), adapters(), from, last);
        assertThat(records).extracting(ConsumerRecord::key).containsExactly("small-retriever/v2");
        assertThat(new AdapterAssembler().accept(records.get(0)))
                .containsExactly(new Delivery.Adapter(adapter, records.get(0).offset()));
    }

    @Test
    void versionsAndStatusUpdatesSurviveCompactionAndTheLatestStatusWins() {
        AdapterPublished v1 = ContinualSamples.adapter("compact-retriever", 1, 1024 * 1024, 21);
        AdapterPublished v2 = ContinualSamples.adapter("compact-retriever", 2, 1024 * 1024, 22);
        AdapterPublished v1Promoted = v1.withStatus(AdapterStatus.PROMOTED, "held-out +0.7 points");
        AdapterControl pin =
                AdapterControl.pin("compact-retriever", 1, "ana", "v2 regresses on refunds", ContinualSamples.AT);
        long from = ContinualSamples.endOffset(kafka.bootstrapServers(), adapters());
        publisher.publish(v1);
        publisher.publish(v2);
        publisher.publish(v1Promoted);
        long last = publisher.publish(pin).offset();
        List<ConsumerRecord<String, byte[]>> records =
                ContinualSamples.readFrom(kafka.bootstrapServers(), adapters(), from, last);
        assertThat(records).allSatisfy(r -> assertThat(r.key()).startsWith("compact-retriever/"));

        assertThat(assemble(records)).containsExactly(v1, v2, v1Promoted, pin);

        // What compaction leaves: the last record per key, in offset order.
        Map<String, ConsumerRecord<String, byte[]>> lastPerKey = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            lastPerKey.remove(r.key());
            lastPerKey.put(r.key(), r);
        }
        List<ConsumerRecord<String, byte[]>> compacted = lastPerKey.values().stream()
                .sorted((a, b) -> Long.compare(a.offset(), b.offset()))
                .toList();
        assertThat(compacted.size()).isLessThan(records.size());
        assertThat(assemble(compacted))
                .as("every version still whole, v1 with its latest status")
                .containsExactly(v2, v1Promoted, pin);
    }

    @Test
    void progressAndControlsComeOutOfTheAssembler() {
        TrainingJob job = ContinualSamples.job("job-progress", 1, 10);
        TrainingProgress progress = TrainingProgress.of(
                job, TrainingProgress.Phase.EVALUATING, 10, 10, 0.4, 80, 0.0, "", ContinualSamples.AT);
        TopicPartition tp = new TopicPartition(Topics.TRAINING_PROGRESS, 0);
        long from = ContinualSamples.endOffset(kafka.bootstrapServers(), tp);
        long last = publisher.publish(progress).offset();
        List<ConsumerRecord<String, byte[]>> records =
                ContinualSamples.readFrom(kafka.bootstrapServers(), tp, from, last);
        assertThat(records).extracting(ConsumerRecord::key).containsExactly("job-progress");
        assertThat(new AdapterAssembler().accept(records.get(0)))
                .containsExactly(new Delivery.Progress(progress, records.get(0).offset()));
    }

    @Test
    void anAdapterAndTheJobsOffsetsCommitInOneTransaction() throws Exception {
        TrainingJob job = ContinualSamples.job("job-eos", 2, 10);
        try (TrainingJobPublisher jobs = TrainingJobPublisher.transactional(kafka.bootstrapServers(), "test-jobs-eos");
                KafkaConsumer<String, byte[]> worker =
                        KafkaClientFactory.consumer(kafka.bootstrapServers(), "test-workers")) {
            RecordMetadata at = jobs.publish(job);
            TopicPartition tp = new TopicPartition(at.topic(), at.partition());
            worker.subscribe(List.of(Topics.TRAINING_JOBS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long next = -1;
            while (next < 0 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : worker.poll(Duration.ofMillis(200))) {
                    if (r.offset() == at.offset()) {
                        next = r.offset() + 1;
                    }
                }
            }
            assertThat(next).as("job consumed within 30 s").isPositive();

            AdapterPublished adapter = AdapterPublished.candidate(
                    job,
                    ContinualSamples.metrics(),
                    ContinualSamples.adapter("acme-retriever", 4, 1000, 3).files(),
                    ContinualSamples.AT);
            publisher.publish(adapter, Map.of(tp, new OffsetAndMetadata(next)), worker.groupMetadata());

            assertThat(worker.committed(java.util.Set.of(tp)).get(tp).offset()).isEqualTo(next);
            assertThat(adapter.key()).isEqualTo("acme-retriever/v4");
        }
    }

    private static List<Object> assemble(List<ConsumerRecord<String, byte[]>> records) {
        AdapterAssembler assembler = new AdapterAssembler();
        List<Object> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            for (Delivery d : assembler.accept(r)) {
                if (d instanceof Delivery.Adapter a) {
                    events.add(a.adapter());
                } else if (d instanceof Delivery.Control c) {
                    events.add(c.control());
                } else {
                    events.add(d);
                }
            }
        }
        return events;
    }
}
