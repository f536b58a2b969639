package dev.engram.node.registry;

import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterKey;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's one reader of {@code engram.adapters}: reads it from the beginning on its own
 * thread (no consumer group, read_committed), reassembles its records ({@link AdapterAssembler})
 * and hands each delivery on: a version to the {@link VersionIntake}, a control (pin, unpin,
 * rollback) through {@link ControlAdmission} to the adapter's history, an unreadable record to the
 * list as rejected. Before replaying what was on the topic at start it scans it
 * ({@link ReplayPlan}), so that the expensive checks run only on versions that can serve; once
 * caught up, or when a control makes an unchecked version able to serve, that version is read back
 * and checked like a live one.
 */
final class AdapterReader {

    private static final Logger log = LoggerFactory.getLogger(AdapterReader.class);
    /**
     * The reader's consumer settings beyond {@link KafkaClientFactory}'s. {@code fetch.max.wait.ms}
     * stays at Kafka's 500 ms on purpose: the broker answers a waiting fetch as soon as a publish
     * (plain or transactional, read_committed) is readable, so a shorter wait does not make swaps
     * sooner; measured with NodeSwapLatencyBench, 20 ms left publish -> poll the same (p50 64 vs
     * 65 ms) and tripled an idle node's CPU (10% -> 23-33% of a core; this thread 0.4% -> 3%).
     */
    private static final Map<String, Object> READER_SETTINGS = Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
    /** How long the scan of the topic before the replay may take. */
    private static final Duration PLAN_BOUND = Duration.ofMinutes(5);
    /** How long reading one unchecked version back from the topic may take. */
    private static final Duration CHECK_READ_BOUND = Duration.ofSeconds(60);

    private final KafkaConnection kafka;
    private final AdapterRegistry registry;
    private final Object lock;
    private final Map<String, AdapterHistory> histories;
    private final AgentModelVersions agentModels;
    private final ControlAdmission controls;
    private final VersionIntake intake;
    private final AdapterFileRetention files;
    private final AdapterAssembler assembler = new AdapterAssembler();
    private final Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile long deliveries;
    /** Which versions on the topic at start deserve their checks during the replay; null once caught up. */
    private ReplayPlan plan;

    /** @param registry whose lock guards {@code histories} and {@code agentModels}, and which swaps */
    AdapterReader(
            KafkaConnection kafka,
            AdapterRegistry registry,
            Map<String, AdapterHistory> histories,
            AgentModelVersions agentModels,
            ControlAdmission controls,
            VersionIntake intake,
            AdapterFileRetention files) {
        this.kafka = kafka;
        this.registry = registry;
        this.lock = registry;
        this.histories = histories;
        this.agentModels = agentModels;
        this.controls = controls;
        this.intake = intake;
        this.files = files;
        this.thread = new Thread(this::run, "engram-adapter-registry");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** {@code true} once everything on the topic when reading started has been read. */
    boolean caughtUp() {
        return caughtUp;
    }

    /** Adapters, controls and rejected records handled so far. */
    long deliveries() {
        return deliveries;
    }

    /** Stops reading and waits (a bounded while) for the thread to end. */
    void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> c = KafkaClientFactory.consumer(kafka, null, READER_SETTINGS)) {
            consumer = c;
            List<TopicPartition> partitions = c.partitionsFor(Topics.ADAPTERS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            c.assign(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            long scanStarted = System.nanoTime();
            try {
                plan = ReplayPlan.read(c, partitions, end, PLAN_BOUND, controls.trusted());
            } catch (RuntimeException e) {
                // Without the plan every version is checked, as a slower start: never a reason to stop reading.
                log.warn(
                        "could not scan {} before replaying it ({}); checking every version",
                        Topics.ADAPTERS,
                        e.toString());
                plan = null;
                c.seekToBeginning(partitions);
            }
            long replayStarted = System.nanoTime();
            while (running) {
                ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(200));
                long polled = System.nanoTime();
                for (ConsumerRecord<String, byte[]> record : records) {
                    // Records that were on the topic at start are history: only what can serve is checked.
                    boolean replaying = !caughtUp
                            && record.offset()
                                    < end.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L);
                    for (AdapterAssembler.Delivery d : assembler.accept(record)) {
                        handle(d, polled, replaying);
                    }
                }
                if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    int checkedLate = checkWhatCouldServe();
                    files.removeStray(histories.values());
                    log.info(
                            "adapters read: {} versions on {} at start (scan {} ms, replay {} ms; {} unchecked "
                                    + "version(s) checked because a newer one could not serve)",
                            plan == null ? "?" : plan.versions(),
                            Topics.ADAPTERS,
                            (replayStarted - scanStarted) / 1_000_000,
                            (System.nanoTime() - replayStarted) / 1_000_000,
                            checkedLate);
                    plan = null;
                    caughtUp = true;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                log.error(
                        "the adapter registry stopped reading {}: {}; adapters no longer change on this node",
                        Topics.ADAPTERS,
                        e.toString(),
                        e);
            }
        }
    }

    private void handle(AdapterAssembler.Delivery delivery, long polled, boolean replaying) {
        try {
            if (delivery instanceof AdapterAssembler.Delivery.Adapter a) {
                intake.adapter(a.adapter(), a.offset(), polled, replaying ? plan : null);
            } else if (delivery instanceof AdapterAssembler.Delivery.Control c) {
                control(c.control(), c.offset(), polled, replaying);
            } else if (delivery instanceof AdapterAssembler.Delivery.Rejected r) {
                rejected(r);
            }
            deliveries++;
        } catch (RuntimeException e) {
            log.error("adapter delivery {} could not be applied: {}", delivery, e.toString(), e);
        }
    }

    private void control(AdapterControl control, long offset, long polled, boolean replaying) {
        long started = System.nanoTime();
        // Who issued it comes first: a control no trusted node signed changes nothing.
        Optional<String> refused = controls.admit(control);
        if (refused.isPresent()) {
            log.warn(
                    "control {}{} for adapter {} at offset {} (operator '{}') skipped: {}",
                    control.action(),
                    control.version() == null ? "" : " v" + control.version(),
                    control.adapterName(),
                    offset,
                    control.operator(),
                    refused.get());
            return;
        }
        synchronized (lock) {
            if (agentModels.has(control.adapterName())) {
                log.warn(
                        "ignored {} of agent-model adapter {}: nodes do not serve agent-model adapters",
                        control.action(),
                        control.adapterName());
                return;
            }
        }
        AdapterHistory history;
        synchronized (lock) {
            history = histories.computeIfAbsent(control.adapterName(), AdapterHistory::new);
            history.control(control, offset);
        }
        if (!replaying) {
            checkWhatCouldServe(history);
        }
        log.info(
                "adapter {}: {} {} by {} ({}; signed by node key {})",
                control.adapterName(),
                control.action(),
                control.version() == null ? "" : "v" + control.version(),
                control.operator(),
                control.reason(),
                control.signerKeyId());
        registry.swapIfChanged(history, null, polled, started, started);
        files.removeOld(history);
    }

    private void rejected(AdapterAssembler.Delivery.Rejected r) {
        log.warn(
                "adapter record {} at {}-{}@{} rejected: {}",
                r.key(),
                r.topic(),
                r.partition(),
                r.offset(),
                r.reason());
        // A version's header or chunk: that version stays visible as rejected. Controls and foreign keys name none.
        AdapterKey key = AdapterKey.tryParse(r.key()).orElse(null);
        if (key != null && key.kind() == AdapterKey.Kind.CONTROL) {
            controls.unreadable(key.adapterName(), r.reason());
            return;
        }
        if (key == null) {
            return;
        }
        long version = key.version();
        synchronized (lock) {
            AdapterHistory history = histories.computeIfAbsent(key.adapterName(), AdapterHistory::new);
            AdapterHistory.Entry previous = history.get(version);
            if (previous == null || !previous.verified()) {
                history.put(
                        null,
                        new AdapterHistory.Entry(
                                version,
                                AdapterStatus.REJECTED,
                                "unreadable record: " + r.reason(),
                                null,
                                null,
                                false,
                                r.offset(),
                                null,
                                null));
            }
        }
    }

    /** Checks, for every adapter, the unchecked versions that could serve; returns how many it checked. */
    private int checkWhatCouldServe() {
        List<AdapterHistory> all;
        synchronized (lock) {
            all = new ArrayList<>(histories.values());
        }
        int checked = 0;
        for (AdapterHistory h : all) {
            checked += checkWhatCouldServe(h);
        }
        return checked;
    }

    /**
     * Checks the unchecked versions of {@code history} that could serve, newest first, until none
     * could (the first that passes serves, or each one failed): each is read back from the topic and
     * goes through what a version read live goes through. Returns how many it checked.
     */
    private int checkWhatCouldServe(AdapterHistory history) {
        int checked = 0;
        while (true) {
            AdapterHistory.Entry next;
            synchronized (lock) {
                List<AdapterHistory.Entry> could = history.uncheckedThatCouldServe();
                next = could.isEmpty() ? null : could.get(0);
            }
            if (next == null) {
                return checked;
            }
            checked++;
            log.info(
                    "checking {} v{}, left unchecked at start: it could serve now",
                    history.adapterName(),
                    next.version());
            try {
                AdapterPublished published = AdapterRefetch.read(
                        kafka, history.adapterName(), next.version(), next.payloadSha256(), CHECK_READ_BOUND);
                intake.adapter(published, next.offset(), System.nanoTime(), null);
            } catch (AdapterLoader.Unusable | RuntimeException e) {
                log.warn("{} v{} could not be checked: {}", history.adapterName(), next.version(), e.toString());
            }
            synchronized (lock) {
                AdapterHistory.Entry after = history.get(next.version());
                if (after != null && after.unchecked()) {
                    // Never loop on it: it is rejected with the reason.
                    history.put(
                            null,
                            new AdapterHistory.Entry(
                                    next.version(),
                                    AdapterStatus.REJECTED,
                                    "could not be checked: it is no longer readable on " + Topics.ADAPTERS,
                                    next.metrics(),
                                    next.payloadSha256(),
                                    false,
                                    next.offset(),
                                    null,
                                    null));
                }
            }
        }
    }
}
