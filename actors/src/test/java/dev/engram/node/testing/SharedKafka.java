package dev.engram.node.testing;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One real embedded KRaft broker for every test class of this module (one surefire fork), started
 * on first use and stopped when the JVM exits, after whatever was registered with
 * {@link #closeBeforeBroker}. Tests stay independent by using their own tenants, consumer groups
 * and data directories, and by checking only the offsets they produced.
 */
public final class SharedKafka {

    private static EmbeddedKafka broker;
    private static final Deque<AutoCloseable> BEFORE_BROKER = new ArrayDeque<>();

    private SharedKafka() {}

    /** The broker's bootstrap servers, with Engram's topics created. */
    public static synchronized String bootstrapServers() {
        if (broker == null) {
            broker = EmbeddedKafka.startTemporary();
            TopicAdmin.ensureTopics(broker.bootstrapServers(), Topics.all());
            Runtime.getRuntime().addShutdownHook(new Thread(SharedKafka::stop, "shared-kafka-stop"));
        }
        return broker.bootstrapServers();
    }

    /** Closes {@code resource} at JVM exit, before the broker stops (last registered, first closed). */
    public static synchronized void closeBeforeBroker(AutoCloseable resource) {
        BEFORE_BROKER.push(resource);
    }

    private static synchronized void stop() {
        while (!BEFORE_BROKER.isEmpty()) {
            try {
                BEFORE_BROKER.pop().close();
            } catch (Exception e) {
                // shutting down anyway
            }
        }
        broker.close();
    }
}
