package dev.engram.node.registry;

import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.TrustedNodeKeys;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What {@code engram.adapters} held when the node started, read once before the registry replays
 * it: each adapter's newest version, each version's parent, and the last operator control a trusted node signed. From it,
 * which historical versions are worth the expensive checks (loading the files, the canary, the
 * gate): the newest version and its parent (what a failing version falls back to), and the pinned or
 * rolled-back-to version and its parent. The others are superseded: a new node lists them unchecked
 * and checks one only when it could serve (a newer one failed its checks, or an operator pins or
 * rolls back to it). Without this a new node loaded and canary-checked every version ever
 * published before it could serve the one that matters.
 */
final class ReplayPlan {

    private final Map<String, TreeMap<Long, Long>> parents = new HashMap<>();
    private final Map<String, AdapterControl> controls = new HashMap<>();

    private ReplayPlan() {}

    /**
     * Reads {@code partitions} from their beginning up to {@code end} with {@code consumer} (assigned
     * to them), and leaves the consumer at their beginning again.
     *
     * @throws IllegalStateException when the end is not reached within {@code bound}
     */
    static ReplayPlan read(
            Consumer<String, byte[]> consumer,
            List<TopicPartition> partitions,
            Map<TopicPartition, Long> end,
            Duration bound,
            TrustedNodeKeys trustedNodes) {
        ReplayPlan plan = new ReplayPlan();
        ControlAdmission controls = new ControlAdmission(trustedNodes);
        AdapterAssembler assembler = new AdapterAssembler();
        long deadline = System.nanoTime() + bound.toNanos();
        consumer.seekToBeginning(partitions);
        while (!reached(consumer, end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read the adapters topic up to " + end + " within " + bound);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() >= end.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L)) {
                    continue;
                }
                for (AdapterAssembler.Delivery d : assembler.accept(record)) {
                    if (d instanceof AdapterAssembler.Delivery.Adapter a) {
                        plan.version(a.adapter());
                    } else if (d instanceof AdapterAssembler.Delivery.Control c
                            && controls.admit(c.control()).isEmpty()) {
                        plan.controls.put(c.control().adapterName(), c.control());
                    }
                }
            }
        }
        consumer.seekToBeginning(partitions);
        return plan;
    }

    private static boolean reached(Consumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private void version(AdapterPublished a) {
        parents.computeIfAbsent(a.adapterName(), n -> new TreeMap<>()).put(a.version(), a.parentVersion());
    }

    /** Whether version {@code version} of {@code name}, met while replaying, deserves its checks now. */
    boolean worthChecking(String name, long version) {
        TreeMap<Long, Long> versions = parents.get(name);
        if (versions == null || versions.isEmpty()) {
            return true; // not seen in the scan (published meanwhile): check it as usual
        }
        long newest = versions.lastKey();
        if (version == newest || Long.valueOf(version).equals(versions.get(newest))) {
            return true;
        }
        AdapterControl control = controls.get(name);
        Long target = control == null ? null : control.version();
        return target != null && (version == target || Long.valueOf(version).equals(versions.get(target)));
    }

    /** How many versions the scan found. */
    int versions() {
        return parents.values().stream().mapToInt(Map::size).sum();
    }
}
