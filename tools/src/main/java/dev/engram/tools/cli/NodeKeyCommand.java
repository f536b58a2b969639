package dev.engram.tools.cli;

import dev.engram.node.auth.NodeKey;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code engram node-key}: prints a node's public key as a line of a trusted-keys file, making the
 * key pair in the data directory first when there is none (as the node's first start would).
 */
@Command(
        name = "node-key",
        mixinStandardHelpOptions = true,
        header = "Print a node's public key, for the other nodes' --trusted-nodes.",
        description = {
            "Print the public key a node signs its operators' pins, unpins and rollbacks with, as one line",
            "of a trusted-keys file (DATA/node-key.pub). The key pair is made in the data directory when",
            "there is none, so a cluster's keys can be exchanged before the nodes first start. Put each",
            "node's line into the other nodes' --trusted-nodes file (or directory of *.pub files)."
        })
final class NodeKeyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--data",
            defaultValue = ".engram",
            paramLabel = "DIR",
            description = "The node's data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        NodeKey key = NodeKey.loadOrCreate(data);
        out.println(
                Files.readString(key.publicKeyFile(), StandardCharsets.US_ASCII).strip());
        out.flush();
        spec.commandLine()
                .getErr()
                .println("(" + key.id() + ", from " + key.publicKeyFile() + "; append it to the other nodes' "
                        + "--trusted-nodes file)");
        return 0;
    }
}
