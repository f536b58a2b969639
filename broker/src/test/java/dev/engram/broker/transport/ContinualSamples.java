package dev.engram.broker.transport;

import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingExample;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Sample jobs and adapters, and helpers to move raw records through a real broker. */
final class ContinualSamples {

    static final Instant AT = Instant.parse("2025-01-31T12:00:00.123456789Z");

    private ContinualSamples() {}

    static TrainingJob job(String jobId, int examples, int textChars) {
        String filler = "x".repeat(Math.max(0, textChars - 20));
        List<TrainingExample> pairs = new ArrayList<>();
        for (int i = 0; i < examples; i++) {
            pairs.add(new TrainingExample(
                    "query " + i + " about wing flutter",
                    "case " + i + " " + filler,
                    i % 2 == 0 ? List.of("negative " + i) : List.of()));
        }
        List<HeldOutQuery> heldOut = List.of(new HeldOutQuery(
                "q-1",
                "boundary layer transition",
                List.of(
                        new HeldOutQuery.Candidate("case-1", "transition in a boundary layer", 3),
                        new HeldOutQuery.Candidate("case-2", "heat transfer in nozzles", 0))));
        List<HeldOutQuery> retention = List.of(new HeldOutQuery(
                "q-9", "supersonic inlet", List.of(new HeldOutQuery.Candidate("case-9", "inlet buzz at Mach 2", 1.5))));
        return new TrainingJob(
                TrainingJob.SCHEMA_VERSION,
                jobId,
                "acme",
                "acme-retriever",
                4L,
                3L,
                "sentence-transformers/all-MiniLM-L6-v2",
                AdapterMethod.LORA_QUERY_SIDE,
                LoraTrainingConfig.defaults(),
                pairs,
                heldOut,
                retention,
                AT,
                1,
                null);
    }

    static AdapterMetrics metrics() {
        return new AdapterMetrics(0.412, 0.405, 40, 0.388, 0.39, 25, Map.of("heldOutMrr", 0.51));
    }

    /** An adapter whose weights file has {@code weightBytes} seeded random bytes. */
    static AdapterPublished adapter(String name, long version, int weightBytes, long seed) {
        byte[] weights = new byte[weightBytes];
        new Random(seed).nextBytes(weights);
        byte[] config = ("{\"peft_type\":\"LORA\",\"r\":8,\"lora_alpha\":16,\"target_modules\":[\"query\",\"value\"],"
                        + "\"base_model_name_or_path\":\"sentence-transformers/all-MiniLM-L6-v2\"}")
                .getBytes(StandardCharsets.UTF_8);
        return AdapterPublished.of(
                name,
                "acme",
                version,
                version > 1 ? version - 1 : null,
                "sentence-transformers/all-MiniLM-L6-v2",
                AdapterMethod.LORA_QUERY_SIDE,
                LoraTrainingConfig.defaults(),
                metrics(),
                dev.engram.streams.AdapterStatus.CANDIDATE,
                "",
                "job-" + name + "-" + version,
                List.of(
                        new AdapterFile(AdapterFile.PEFT_CONFIG, config),
                        new AdapterFile(AdapterFile.PEFT_WEIGHTS, weights)),
                AT);
    }

    /** The records a publisher would send, captured with a mock producer (1 partition per topic). */
    static List<ProducerRecord<String, byte[]>> recordsOf(Consumer<MockProducer<String, byte[]>> publish) {
        Node node = new Node(0, "localhost", 9092);
        List<PartitionInfo> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.ADAPTERS, Topics.TRAINING_JOBS, Topics.TRAINING_PROGRESS)) {
            partitions.add(new PartitionInfo(topic, 0, node, new Node[] {node}, new Node[] {node}));
        }
        Cluster cluster = new Cluster("mock", List.of(node), partitions, java.util.Set.of(), java.util.Set.of());
        MockProducer<String, byte[]> mock =
                new MockProducer<>(cluster, true, null, new StringSerializer(), new ByteArraySerializer());
        publish.accept(mock);
        return List.copyOf(mock.history());
    }

    static List<ProducerRecord<String, byte[]>> recordsOf(AdapterPublished adapter) {
        return recordsOf(mock -> AdapterPublisher.over(mock).publish(adapter));
    }

    static List<ProducerRecord<String, byte[]>> recordsOf(TrainingJob job) {
        return recordsOf(mock -> TrainingJobPublisher.over(mock).publish(job));
    }

    /** Produces raw records in order and waits for each ack; returns the first one's offset. */
    static long produce(String bootstrap, List<ProducerRecord<String, byte[]>> records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
            long first = -1;
            for (ProducerRecord<String, byte[]> r : records) {
                long offset = producer.send(r).get().offset();
                first = first < 0 ? offset : first;
            }
            return first;
        }
    }

    /** The end offset (high watermark, transactions included) of {@code tp}. */
    static long endOffset(String bootstrap, TopicPartition tp) {
        try (KafkaConsumer<String, byte[]> consumer =
                KafkaClientFactory.consumer(bootstrap, null, Map.of("isolation.level", "read_uncommitted"))) {
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** Reads {@code tp} (read_committed) from {@code from} through {@code lastOffset}, within 30 s. */
    static List<ConsumerRecord<String, byte[]>> readFrom(
            String bootstrap, TopicPartition tp, long from, long lastOffset) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrap, null)) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, from);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((out.isEmpty() || out.get(out.size() - 1).offset() < lastOffset) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            if (out.isEmpty() || out.get(out.size() - 1).offset() < lastOffset) {
                throw new AssertionError(
                        "did not read " + tp + " through offset " + lastOffset + " in 30 s; got " + out.size());
            }
        }
        return out;
    }

    /** The adapters partition (the topic has one). */
    static TopicPartition adapters() {
        return new TopicPartition(Topics.ADAPTERS, 0);
    }
}
