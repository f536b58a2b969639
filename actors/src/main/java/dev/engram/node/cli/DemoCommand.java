package dev.engram.node.cli;

import dev.engram.node.demo.CranfieldDemo;
import dev.engram.node.demo.DemoOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code engram demo}: runs the Cranfield demo ({@link CranfieldDemo}) against a node of its own. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "Start a node (embedded broker unless --bootstrap), send the Cranfield collection through Kafka",
            "as cases, recall for the Cranfield queries and print nDCG@10 and recall@k against the judgements."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR",
            description = "The demo node's data directory (default: .engram/demo).")
    Path data;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka cluster instead of the embedded broker.")
    String bootstrap;

    @Option(names = "--k", defaultValue = "" + DemoOptions.DEFAULT_K, paramLabel = "K",
            description = "Cases recalled per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--http-port", defaultValue = "0", paramLabel = "PORT",
            description = "The demo node's HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Override
    public Integer call() {
        DemoOptions options = DemoOptions.defaults().withBootstrapServers(bootstrap).withK(k).withHttpPort(httpPort);
        if (data != null) {
            options = options.withDataDir(data);
        }
        new CranfieldDemo(options, System.out).run();
        return 0;
    }
}
