package dev.engram.tools.cli;

import dev.engram.tools.demo.ContinualDemo;
import dev.engram.tools.demo.CranfieldDemo;
import dev.engram.tools.demo.DemoOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
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
            "--rounds 0: only send the abstracts and print BM25 figures for all queries (about 30 s)."
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
        if (rounds == 0) {
            new CranfieldDemo(options, System.out).run();
        } else {
            new ContinualDemo(options, System.out).run();
        }
        return 0;
    }
}
