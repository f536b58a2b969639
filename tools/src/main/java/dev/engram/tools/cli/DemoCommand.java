package dev.engram.tools.cli;

import dev.engram.tools.demo.ConsoleHold;
import dev.engram.tools.demo.ContinualDemo;
import dev.engram.tools.demo.CranfieldDemo;
import dev.engram.tools.demo.DemoOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code engram demo}: the continual loop on Cranfield ({@link ContinualDemo}); with
 * {@code --rounds 0} the quick BM25-only demo ({@link CranfieldDemo}).
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        header = "Run Engram's whole loop on the Cranfield collection on a local node.",
        description = {
            "Start a node (embedded broker unless --bootstrap) and run Engram's loop on the Cranfield collection:",
            "seed the abstracts through Kafka, replay the feedback queries as a live stream in rounds, train,",
            "gate, publish and hot-swap query-side LoRA adapters, and print held-out nDCG@10 per promoted version.",
            "--rounds 0: only send the abstracts and print BM25 figures for all queries (about 30 s).",
            "--console: then keep the node up and print the URL of its operations console and its admin key."
        })
final class DemoCommand implements Callable<Integer> {

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "The demo node's data directory (default: .engram/demo).")
    Path data;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka cluster instead of the embedded broker.")
    String bootstrap;

    @Option(
            names = "--k",
            defaultValue = "" + DemoOptions.DEFAULT_K,
            paramLabel = "K",
            description = "Cases recalled per evaluated query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(
            names = "--http-port",
            defaultValue = "0",
            paramLabel = "PORT",
            description = "The demo node's HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(
            names = "--rounds",
            defaultValue = "" + DemoOptions.DEFAULT_ROUNDS,
            paramLabel = "N",
            description = "Training rounds; 0 runs the BM25-only demo (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--seed",
            defaultValue = "" + DemoOptions.DEFAULT_SPLIT_SEED,
            paramLabel = "SEED",
            description = "Seed of the feedback / held-out split of the queries (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--console",
            description = "After the demo keep the node up and print its console's URL and admin key; Ctrl-C stops it.")
    boolean console;

    @Option(names = "--verbose", description = "Also log the node's INFO messages (on stderr).")
    boolean verbose;

    @Mixin
    KafkaPropertiesOption kafkaProperties;

    @Override
    public Integer call() {
        if (!verbose) {
            // The demo narrates on stdout; the node's INFO lines would interleave with its progress bars.
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.engram"))
                    .setLevel(ch.qos.logback.classic.Level.WARN);
        }
        DemoOptions options = DemoOptions.defaults()
                .withBootstrapServers(bootstrap)
                .withK(k)
                .withHttpPort(httpPort)
                .withRounds(rounds)
                .withSplitSeed(seed)
                .withKafkaProperties(kafkaProperties.properties());
        if (data != null) {
            options = options.withDataDir(data);
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        ConsoleHold hold = console ? new ConsoleHold(System.out, () -> awaitCtrlC(stop, stopped)) : null;
        try {
            if (rounds == 0) {
                new CranfieldDemo(options, System.out).execute(hold == null ? node -> {} : hold);
            } else {
                new ContinualDemo(options, System.out).execute(hold);
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    /** Returns on Ctrl-C; the JVM then waits (bounded) until the demo has closed its node. */
    private static void awaitCtrlC(CountDownLatch stop, CountDownLatch stopped) throws InterruptedException {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stop.countDown();
                            try {
                                stopped.await(30, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "engram-demo-console-stop"));
        stop.await();
    }
}
