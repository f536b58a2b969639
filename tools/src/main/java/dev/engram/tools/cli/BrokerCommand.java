package dev.engram.tools.cli;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code engram broker}: the embedded KRaft broker on its own, for several nodes and workers to share. */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        header = "Run a Kafka broker (KRaft, in this JVM) that several nodes and workers can share.",
        description = {
            "Run the embedded Kafka broker on its own, in the foreground, until Ctrl-C",
            "(or SIGTERM): one broker and controller on 127.0.0.1, plaintext, data in DIR",
            "(formatted on first use; later starts reuse its topics, records and offsets).",
            "It creates Engram's topics, then prints",
            "'engram broker ready: <bootstrap> data <DIR>'.",
            "Give nodes and workers --bootstrap <bootstrap>. No Docker needed."
        })
final class BrokerCommand implements Callable<Integer> {

    /** The first words of the line that announces a started broker (tools and tests wait for it). */
    static final String READY = "engram broker ready:";

    /** Kafka's usual client port. */
    static final int DEFAULT_PORT = 9092;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--data",
            defaultValue = ".engram-broker",
            paramLabel = "DIR",
            description = "Directory of the broker's logs and metadata (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(
            names = "--port",
            defaultValue = "" + DEFAULT_PORT,
            paramLabel = "N",
            description = "Client port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        EmbeddedKafka broker = EmbeddedKafka.start(data, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    broker.close();
                    stopped.countDown();
                },
                "engram-broker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            TopicAdmin.ensureTopics(broker.connection(), Topics.all());
        } catch (RuntimeException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            broker.close();
            throw e;
        }
        out.println(READY + " " + broker.bootstrapServers() + " data "
                + data.toAbsolutePath().normalize());
        out.println("  nodes:   ./engram serve --bootstrap " + broker.bootstrapServers() + " --data DIR --http-port N");
        out.println("  workers: ./engram worker --bootstrap " + broker.bootstrapServers() + " --data DIR");
        out.println("  stop:    Ctrl-C");
        out.flush();
        stopped.await();
        return 0;
    }
}
