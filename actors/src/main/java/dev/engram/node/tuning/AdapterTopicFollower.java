package dev.engram.node.tuning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJobAssembler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code engram.adapters} (from the beginning: it is compacted),
 * {@code engram.training-jobs} (from the beginning of its retention) and
 * {@code engram.dead-letters} (from the end) on its own thread, and tells the schedulers how their
 * jobs ended: every complete adapter version goes to {@link Listener#adapter}, every dead-lettered
 * training job to {@link Listener#jobDeadLettered}. It also answers {@link AdapterVersions}: the
 * serving version is the newest version whose latest status is {@link AdapterStatus#PROMOTED}
 * (operators' pins are the serving side's business); the highest version counts the target
 * versions of jobs already sent as well as published adapters, so a scheduler restarted while a
 * job waits in the queue never gives its version number to another job.
 *
 * <pre>{@code
 * AdapterTopicFollower follower = AdapterTopicFollower.start(bootstrap, listener);
 * follower.caughtUp();   // true once it has read what was published before it started
 * }</pre>
 */
public final class AdapterTopicFollower implements AdapterVersions, AutoCloseable {

    /** Receives outcomes, on the follower's thread. */
    public interface Listener {
        /** A complete, verified adapter version (any status). */
        void adapter(AdapterPublished adapter);

        /** A training job of {@code tenant} was moved to the dead-letter topic. */
        void jobDeadLettered(String tenant, String jobId, String reason);
    }

    private static final Logger log = LoggerFactory.getLogger(AdapterTopicFollower.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Listener listener;
    private final AdapterAssembler assembler = new AdapterAssembler();
    private final TrainingJobAssembler jobs = new TrainingJobAssembler();
    private final Map<String, NavigableMap<Long, AdapterStatus>> statuses = new ConcurrentHashMap<>();
    private final Map<String, Long> highestJobTarget = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile Map<TopicPartition, Long> startEnd;
    private volatile boolean caughtUp;

    private AdapterTopicFollower(KafkaConnection kafka, Listener listener) {
        this.consumer = KafkaClientFactory.consumer(kafka, null);
        this.listener = listener;
        this.thread = new Thread(this::run, "engram-adapter-follower");
        this.thread.setDaemon(true);
    }

    /** Starts following; {@link #close()} stops. */
    public static AdapterTopicFollower start(String bootstrapServers, Listener listener) {
        return start(KafkaConnection.of(bootstrapServers), listener);
    }

    /** As {@link #start(String, Listener)}, over a connection with client properties (SASL, SSL). */
    public static AdapterTopicFollower start(KafkaConnection kafka, Listener listener) {
        AdapterTopicFollower f = new AdapterTopicFollower(kafka, listener);
        f.thread.start();
        return f;
    }

    @Override
    public boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public Optional<Long> serving(String adapterName) {
        NavigableMap<Long, AdapterStatus> versions = statuses.get(adapterName);
        if (versions == null) {
            return Optional.empty();
        }
        synchronized (versions) {
            return versions.descendingMap().entrySet().stream()
                    .filter(e -> e.getValue() == AdapterStatus.PROMOTED)
                    .map(Map.Entry::getKey)
                    .findFirst();
        }
    }

    @Override
    public long highest(String adapterName) {
        long sent = highestJobTarget.getOrDefault(adapterName, 0L);
        NavigableMap<Long, AdapterStatus> versions = statuses.get(adapterName);
        if (versions == null) {
            return sent;
        }
        synchronized (versions) {
            return Math.max(sent, versions.isEmpty() ? 0 : versions.lastKey());
        }
    }

    private void run() {
        try {
            List<TopicPartition> fromStart = new ArrayList<>(partitions(Topics.ADAPTERS));
            fromStart.addAll(partitions(Topics.TRAINING_JOBS));
            List<TopicPartition> letters = partitions(Topics.DEAD_LETTERS);
            List<TopicPartition> all = new ArrayList<>(fromStart);
            all.addAll(letters);
            consumer.assign(all);
            consumer.seekToBeginning(fromStart);
            consumer.seekToEnd(letters);
            startEnd = consumer.endOffsets(fromStart);
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    switch (r.topic()) {
                        case Topics.ADAPTERS -> onAdapterRecord(r);
                        case Topics.TRAINING_JOBS -> onJobRecord(r);
                        default -> onDeadLetter(r);
                    }
                }
                if (!caughtUp) {
                    caughtUp =
                            startEnd.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            log.error("following {} stopped: {}", Topics.ADAPTERS, e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private List<TopicPartition> partitions(String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
    }

    private void onAdapterRecord(ConsumerRecord<String, byte[]> record) {
        for (AdapterAssembler.Delivery d : assembler.accept(record)) {
            if (d instanceof AdapterAssembler.Delivery.Adapter a) {
                AdapterPublished adapter = a.adapter();
                if (adapter.kind() != AdapterKind.RETRIEVER) {
                    continue; // agent-model adapters are not made by this node's jobs
                }
                NavigableMap<Long, AdapterStatus> versions =
                        statuses.computeIfAbsent(adapter.adapterName(), n -> new TreeMap<>());
                synchronized (versions) {
                    versions.put(adapter.version(), adapter.status());
                }
                notify(() -> listener.adapter(adapter));
            }
        }
    }

    private void onJobRecord(ConsumerRecord<String, byte[]> record) {
        for (TrainingJobAssembler.Delivery d : jobs.accept(record)) {
            if (d instanceof TrainingJobAssembler.Delivery.Job j) {
                highestJobTarget.merge(j.job().adapterName(), j.job().targetVersion(), Math::max);
            }
        }
    }

    private void onDeadLetter(ConsumerRecord<String, byte[]> record) {
        try {
            DeadLetter letter = EventCodec.decodeDeadLetter(record.value());
            if (!Topics.TRAINING_JOBS.equals(letter.sourceTopic()) || letter.original().length == 0) {
                return;
            }
            JsonNode job = EventCodec.mapper().readTree(letter.original());
            JsonNode jobId = job.get("jobId");
            JsonNode tenant = job.get("tenant");
            if (jobId != null && jobId.isTextual() && tenant != null && tenant.isTextual()) {
                notify(() -> listener.jobDeadLettered(tenant.asText(), jobId.asText(), letter.reason()));
            }
        } catch (Exception e) {
            log.debug(
                    "dead letter at {}-{}@{} is not a training job's: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e.toString());
        }
    }

    private void notify(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("adapter listener failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
