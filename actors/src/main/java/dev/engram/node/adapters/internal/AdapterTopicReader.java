package dev.engram.node.adapters.internal;

import dev.engram.node.adapters.AdapterLoader;
import dev.engram.node.adapters.AdapterRegistry;
import dev.engram.node.adapters.ServingAdapter;
import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapters topic's reader: a plain consumer without a group on its own thread, assigned every
 * partition of {@link Topics#ADAPTERS} and reading from the beginning each start (the topic is the
 * source of truth). It feeds an {@link AdapterAssembler}, loads each new complete version with the
 * {@link AdapterLoader} (which validates it fully, off the actor), and tells the registry.
 *
 * <p>A version delivered again with the same payload (a status change, a re-read) is not loaded
 * again: the earlier outcome is reused and the registry loads on demand if it must serve it. After
 * a failure the reader starts over from the beginning with a new consumer, after a pause.
 */
public final class AdapterTopicReader implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(AdapterTopicReader.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    private final Supplier<KafkaConsumer<String, byte[]>> consumers;
    private final AdapterLoader loader;
    private final Consumer<AdapterRegistry.Command> registry;
    private final Duration pollTimeout;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> current;

    /** @param loader null on a node without an encoder: versions are tracked, never loaded */
    public AdapterTopicReader(Supplier<KafkaConsumer<String, byte[]>> consumers, AdapterLoader loader,
            Consumer<AdapterRegistry.Command> registry, Duration pollTimeout) {
        this.consumers = consumers;
        this.loader = loader;
        this.registry = registry;
        this.pollTimeout = pollTimeout;
    }

    @Override
    public void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> consumer = consumers.get()) {
                current = consumer;
                if (!running) {
                    return;
                }
                read(consumer);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("reading {} failed, starting over from the beginning in {}: {}", Topics.ADAPTERS,
                        RETRY_PAUSE, e.toString());
                try {
                    Thread.sleep(RETRY_PAUSE.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Stops the reader; it exits from its poll at once. */
    public void stop() {
        running = false;
        KafkaConsumer<String, byte[]> c = current;
        if (c != null) {
            c.wakeup();
        }
    }

    private void read(KafkaConsumer<String, byte[]> consumer) {
        List<PartitionInfo> infos = consumer.partitionsFor(Topics.ADAPTERS, Duration.ofSeconds(30));
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        AdapterAssembler assembler = new AdapterAssembler();
        Map<String, String> outcomes = new HashMap<>();
        boolean caughtUp = false;
        while (running) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(pollTimeout)) {
                for (AdapterAssembler.Delivery d : assembler.accept(record)) {
                    deliver(d, outcomes);
                }
            }
            Map<Integer, Long> positions = new HashMap<>();
            boolean atEnd = true;
            for (TopicPartition tp : partitions) {
                long position = consumer.position(tp);
                positions.put(tp.partition(), position);
                atEnd &= position >= end.getOrDefault(tp, 0L);
            }
            caughtUp |= atEnd;
            registry.accept(new AdapterRegistry.Position(positions, caughtUp));
        }
    }

    private void deliver(AdapterAssembler.Delivery d, Map<String, String> outcomes) {
        if (d instanceof AdapterAssembler.Delivery.Adapter a) {
            AdapterPublished event = a.adapter();
            String key = event.key() + "@" + event.payloadSha256();
            String earlier = outcomes.get(key);
            if (earlier != null || loader == null) {
                registry.accept(new AdapterRegistry.AdapterDelivered(event, a.offset(), null,
                        earlier == null || earlier.isEmpty() ? null : earlier));
                return;
            }
            ServingAdapter loaded = null;
            String invalid = null;
            try {
                loaded = loader.load(event);
            } catch (RuntimeException e) {
                invalid = e.getMessage() == null ? e.toString() : e.getMessage();
                log.warn("adapter {} at offset {} cannot serve: {}", event.key(), a.offset(), invalid);
            }
            outcomes.put(key, invalid == null ? "" : invalid);
            registry.accept(new AdapterRegistry.AdapterDelivered(event, a.offset(), loaded, invalid));
        } else if (d instanceof AdapterAssembler.Delivery.Control c) {
            registry.accept(new AdapterRegistry.ControlDelivered(c.control(), c.offset()));
        } else if (d instanceof AdapterAssembler.Delivery.Rejected r) {
            log.warn("adapter record {} at offset {} rejected: {}", r.key(), r.offset(), r.reason());
            registry.accept(new AdapterRegistry.RecordRejected(r.key(), r.offset(), r.reason()));
        }
    }
}
