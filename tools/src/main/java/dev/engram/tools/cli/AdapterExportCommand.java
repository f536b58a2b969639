package dev.engram.tools.cli;

import dev.engram.streams.AdapterFolder;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.PublishedAdapters;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedWorkerKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code engram adapters export NAME VERSION DIR}: a published adapter's files, read from
 * {@code engram.adapters} (chunks put back together, checksum verified) and written as a folder
 * that a serving stack loads: for an agent-model adapter, the PEFT folder vLLM, LoRAX and PEFT take.
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Write adapter NAME v VERSION, as published on engram.adapters, into the new folder DIR",
            "(adapter_config.json, adapter_model.safetensors: a PEFT adapter; e.g. for",
            "vllm serve MODEL --enable-lora --lora-modules NAME=DIR). With --trusted-workers only a version",
            "signed by one of those worker keys is written. Exit status 0 when written, 1 when not found",
            "or not trusted."
        })
final class AdapterExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION")
    long version;

    @Parameters(index = "2", paramLabel = "DIR", description = "A new (or empty) folder.")
    Path dir;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT[,HOST:PORT]",
            description = "Kafka cluster; default: the broker of the node running on --data.")
    String bootstrap;

    @Option(
            names = "--data",
            defaultValue = ".engram",
            paramLabel = "DIR",
            description =
                    "Without --bootstrap, a local node running on DIR gives the broker (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(
            names = "--trusted-workers",
            paramLabel = "FILE",
            description =
                    "Write the version only when one of these worker keys signed it (a file or directory of keys).")
    Path trustedWorkers;

    @Option(
            names = "--timeout",
            defaultValue = "PT60S",
            paramLabel = "DURATION",
            description = "How long reading the topic to its end may take, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    KafkaPropertiesOption kafkaProperties;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String servers = bootstrap != null
                ? bootstrap
                : NodeInfo.read(data)
                        .map(NodeInfo::bootstrapServers)
                        .orElseThrow(
                                () -> new IllegalArgumentException("no --bootstrap and no running node in " + data));
        AdapterPublished adapter = PublishedAdapters.find(kafkaProperties.connection(servers), name, version, timeout)
                .orElse(null);
        if (adapter == null) {
            err.println("no adapter " + name + " v" + version + " on " + Topics.ADAPTERS + " (engram adapters list"
                    + " shows what a node has read)");
            err.flush();
            return 1;
        }
        AdapterSignature.Check check = trustedWorkers == null
                ? null
                : AdapterSignature.verify(adapter, TrustedWorkerKeys.load(trustedWorkers));
        if (check != null && !check.trusted()) {
            err.println("not written: " + name + " v" + version + " is " + check.reason());
            err.flush();
            return 1;
        }
        Path written = AdapterFolder.write(adapter, dir);
        out.printf(
                Locale.ROOT,
                "%s v%d (%s adapter for %s, tenant %s) written to %s: %d files, %d bytes, sha256 %s%n",
                name,
                version,
                adapter.kind(),
                adapter.baseModelId(),
                adapter.tenant(),
                written,
                adapter.files().size(),
                adapter.payloadSize(),
                adapter.payloadSha256());
        out.println(signature(adapter, check));
        if (adapter.kind() == AdapterKind.AGENT_MODEL) {
            out.println("gate: " + adapter.planLoss().reason());
        }
        out.flush();
        return 0;
    }

    private static String signature(AdapterPublished adapter, AdapterSignature.Check check) {
        if (check != null) {
            return "signed by trusted worker key " + check.keyId();
        }
        return adapter.signerKeyId() == null
                ? "unsigned (no worker vouches for it)"
                : "signed by worker key " + adapter.signerKeyId() + " (not checked: give --trusted-workers to check)";
    }
}
