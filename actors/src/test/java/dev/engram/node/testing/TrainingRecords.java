package dev.engram.node.testing;

import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TrainingExample;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobPublisher;
import dev.engram.streams.TrainingProgress;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Training jobs and progress reports on the shared broker, as a tuning scheduler sends the one
 * and a worker the other: for the views of the jobs.
 */
public final class TrainingRecords implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final TrainingJobPublisher jobs;
    private final AdapterPublisher reports;

    public TrainingRecords() {
        producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers());
        jobs = TrainingJobPublisher.over(producer);
        reports = AdapterPublisher.over(producer);
    }

    /** A small job of {@code tenant}'s retriever, made at {@code createdAt}. */
    public static TrainingJob job(String jobId, String tenant, long targetVersion, Instant createdAt) {
        List<TrainingExample> examples = List.of(
                new TrainingExample("flutter of swept wings", "Flutter analysis of swept wings.", List.of()),
                new TrainingExample("jet noise reduction", "Noise from subsonic jets.", List.of()));
        HeldOutQuery heldOut = new HeldOutQuery(
                "h1",
                "buckling of thin shells",
                List.of(new HeldOutQuery.Candidate("c1", "Buckling of thin cylinders.", 1)));
        return new TrainingJob(
                TrainingJob.SCHEMA_VERSION,
                jobId,
                tenant,
                tenant + "-retriever",
                targetVersion,
                targetVersion > 1 ? targetVersion - 1 : null,
                "sentence-transformers/all-MiniLM-L6-v2",
                AdapterMethod.LORA_QUERY_SIDE,
                LoraTrainingConfig.defaults(),
                examples,
                List.of(heldOut),
                List.of(),
                createdAt,
                1,
                null);
    }

    public void send(TrainingJob job) {
        jobs.publish(job);
        producer.flush();
    }

    /** A worker's report on {@code job}: a TRAINING step with its loss. */
    public void step(TrainingJob job, long step, long totalSteps, double loss, Instant at) {
        report(TrainingProgress.of(
                job, TrainingProgress.Phase.TRAINING, step, totalSteps, loss, 40.0, (totalSteps - step) * 0.5, "", at));
    }

    public void report(TrainingProgress progress) {
        reports.publish(progress);
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
