package dev.engram.node.testing;

import dev.engram.streams.EmbeddedKafka;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;

/**
 * One real embedded KRaft broker for every test class of this module (one surefire fork), started
 * on first use and stopped when the JVM exits. Tests stay independent by using their own tenants,
 * consumer groups and data directories, and by checking only the offsets they produced.
 */
public final class SharedKafka {

    private static EmbeddedKafka broker;

    private SharedKafka() {
    }

    /** The broker's bootstrap servers, with Engram's topics created. */
    public static synchronized String bootstrapServers() {
        if (broker == null) {
            broker = EmbeddedKafka.startTemporary();
            TopicAdmin.ensureTopics(broker.bootstrapServers(), Topics.all());
            EmbeddedKafka started = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-kafka-stop"));
        }
        return broker.bootstrapServers();
    }
}
