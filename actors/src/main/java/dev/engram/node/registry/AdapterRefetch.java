package dev.engram.node.registry;

import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads one adapter version back from {@code engram.adapters} when the node has removed its files
 * from disk (it keeps only the newest few, see {@code NodeConfig.adapterVersionsKept}) and an
 * operator pins or rolls back to it. The topic is the source of truth, so nothing is lost by
 * removing them; this costs one read of the (compacted) topic, which a pin to an old version can
 * afford.
 */
final class AdapterRefetch {

    private AdapterRefetch() {
    }

    /**
     * The version's record with the given payload checksum, read from the beginning of the topic.
     *
     * @throws AdapterLoader.Unusable when it is not on the topic any more or not found within {@code timeout}
     */
    static AdapterPublished read(String bootstrapServers, String name, long version, String payloadSha256,
            Duration timeout) throws AdapterLoader.Unusable {
        long deadline = System.nanoTime() + timeout.toNanos();
        AdapterAssembler assembler = new AdapterAssembler();
        try (KafkaConsumer<String, byte[]> c = KafkaClientFactory.consumer(bootstrapServers, null)) {
            List<TopicPartition> partitions = c.partitionsFor(Topics.ADAPTERS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(100))) {
                    for (AdapterAssembler.Delivery d : assembler.accept(record)) {
                        if (d instanceof AdapterAssembler.Delivery.Adapter a && a.adapter().adapterName().equals(name)
                                && a.adapter().version() == version
                                && a.adapter().payloadSha256().equals(payloadSha256)) {
                            return a.adapter();
                        }
                    }
                }
                if (end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            throw new AdapterLoader.Unusable("could not read " + name + " v" + version + " back from "
                    + Topics.ADAPTERS + ": " + e.getMessage(), e);
        }
        throw new AdapterLoader.Unusable(name + " v" + version + " (payload " + payloadSha256 + ") is no longer on "
                + Topics.ADAPTERS + " and its files were removed from this node; publish it again to serve it", null);
    }
}
