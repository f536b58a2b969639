package dev.engram.runtime.internal;

import dev.engram.runtime.Subscription;
import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A background thread that reads the adapters topic from the beginning, without a consumer group,
 * through an {@link AdapterAssembler}, and hands each verified adapter that passes the filter to
 * the listener. Broken records are logged and skipped.
 */
public final class AdapterFollower implements Subscription {

  private static final Logger LOG = LoggerFactory.getLogger(AdapterFollower.class);
  private static final Duration POLL = Duration.ofMillis(500);

  private final KafkaConsumer<String, byte[]> consumer;
  private final Predicate<? super AdapterPublished> filter;
  private final Consumer<? super AdapterPublished> listener;
  private final AdapterAssembler assembler = new AdapterAssembler();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread thread;

  private AdapterFollower(KafkaConnection kafka, Predicate<? super AdapterPublished> filter,
      Consumer<? super AdapterPublished> listener) {
    // Chunks are ~512 KiB each: let one fetch carry a few. Never auto-create the topic with the
    // broker's defaults (it must be compacted): wait for Engram to create it.
    this.consumer = KafkaClientFactory.consumer(kafka, null, Map.of(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024,
        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false));
    this.filter = filter;
    this.listener = listener;
    this.thread = new Thread(this::run, "engram-adapter-follower");
    this.thread.setDaemon(true);
  }

  /** Starts following; the returned subscription stops it. */
  public static AdapterFollower start(String bootstrapServers, Predicate<? super AdapterPublished> filter,
      Consumer<? super AdapterPublished> listener) {
    return start(KafkaConnection.of(bootstrapServers), filter, listener);
  }

  /** Starts following over {@code kafka} (with its client properties); the returned subscription stops it. */
  public static AdapterFollower start(KafkaConnection kafka, Predicate<? super AdapterPublished> filter,
      Consumer<? super AdapterPublished> listener) {
    AdapterFollower follower = new AdapterFollower(kafka, filter, listener);
    follower.thread.start();
    return follower;
  }

  @Override
  public boolean isRunning() {
    return thread.isAlive();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      List<TopicPartition> partitions = awaitPartitions();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (!closed.get()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
          for (AdapterAssembler.Delivery d : assembler.accept(record)) {
            deliver(d);
          }
        }
      }
    } catch (WakeupException e) {
      if (!closed.get()) {
        LOG.error("adapter follower woken up unexpectedly; it stops", e);
      }
    } catch (RuntimeException e) {
      LOG.error("adapter follower failed and stops: {}", e.toString(), e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private List<TopicPartition> awaitPartitions() {
    while (!closed.get()) {
      List<PartitionInfo> infos = consumer.partitionsFor(Topics.ADAPTERS, Duration.ofSeconds(10));
      if (infos != null && !infos.isEmpty()) {
        return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      }
      LOG.warn("topic {} does not exist yet; waiting for it", Topics.ADAPTERS);
    }
    throw new WakeupException();
  }

  private void deliver(AdapterAssembler.Delivery d) {
    if (d instanceof AdapterAssembler.Delivery.Adapter a) {
      if (!filter.test(a.adapter())) {
        return;
      }
      try {
        listener.accept(a.adapter());
      } catch (RuntimeException e) {
        LOG.warn("adapter listener failed on {}: {}", a.adapter(), e.toString(), e);
      }
    } else if (d instanceof AdapterAssembler.Delivery.Rejected r) {
      LOG.warn("skipped adapter record {} at {}-{}@{}: {}", r.key(), r.topic(), r.partition(), r.offset(), r.reason());
    }
  }
}
