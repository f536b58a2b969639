package dev.engram.streams.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * Sends a batch of records (chunks, then their header) in order, each batch in one transaction when
 * the producer is transactional, and waits until every record is acknowledged. Shared by the
 * publishers; one batch at a time.
 */
public final class ChunkedSender implements AutoCloseable {

    private final Producer<String, byte[]> producer;
    private final boolean transactional;
    private final boolean owned;

    /**
     * @param producer the producer; if {@code transactional}, {@code initTransactions()} is called here
     * @param owned whether {@link #close()} closes the producer
     */
    public ChunkedSender(Producer<String, byte[]> producer, boolean transactional, boolean owned) {
        this.producer = producer;
        this.transactional = transactional;
        this.owned = owned;
        if (transactional) {
            producer.initTransactions();
        }
    }

    /** Whether batches are sent in transactions. */
    public boolean transactional() {
        return transactional;
    }

    /** The partition count of {@code topic}, from the producer's metadata. */
    public int partitions(String topic) {
        return producer.partitionsFor(topic).size();
    }

    /**
     * Sends {@code records} in order and returns the last one's metadata once all are acknowledged
     * (and the transaction committed). With {@code offsets}, commits them for {@code group} in the
     * same transaction.
     *
     * @throws KafkaException saying what failed; the transaction, if any, is aborted
     */
    public synchronized RecordMetadata send(
            List<ProducerRecord<String, byte[]>> records,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            ConsumerGroupMetadata group,
            String what) {
        if (offsets != null && !offsets.isEmpty() && !transactional) {
            throw new IllegalStateException("committing consumed offsets with " + what
                    + " needs a transactional publisher (create it with a transactional id)");
        }
        try {
            if (transactional) {
                producer.beginTransaction();
            }
            List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
            for (ProducerRecord<String, byte[]> r : records) {
                sent.add(producer.send(r));
            }
            if (transactional) {
                if (offsets != null && !offsets.isEmpty()) {
                    producer.sendOffsetsToTransaction(offsets, group);
                }
                producer.commitTransaction();
            } else {
                producer.flush();
            }
            RecordMetadata last = null;
            for (Future<RecordMetadata> f : sent) {
                last = f.get();
            }
            return last;
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            // Fatal for this producer: it cannot abort; the caller must close the publisher.
            throw new KafkaException(
                    "could not publish " + what + ": " + e.getMessage()
                            + " (this publisher is unusable now: close it and create a new one)",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abortQuietly();
            throw new KafkaException("interrupted while publishing " + what, e);
        } catch (ExecutionException | KafkaException e) {
            abortQuietly();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new KafkaException(
                    "could not publish " + what + ": " + cause.getMessage()
                            + (transactional
                                    ? " (transaction aborted: nothing of it is visible to read_committed consumers)"
                                    : ""),
                    cause);
        }
    }

    @Override
    public void close() {
        if (owned) {
            producer.close();
        }
    }

    private void abortQuietly() {
        if (!transactional) {
            return;
        }
        try {
            producer.abortTransaction();
        } catch (KafkaException ignored) {
            // Already failed or not in a transaction; the original error is what matters.
        }
    }
}
