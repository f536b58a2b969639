package dev.engram.tools.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.engram.runtime.AcceptedControl;
import dev.engram.runtime.AdapterInfo;
import dev.engram.runtime.AdapterListing;
import dev.engram.runtime.AdapterVersionInfo;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.InvalidRequestException;
import dev.engram.runtime.NodeAdapters;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.EventCodec;
import dev.engram.streams.PlanLossMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code engram adapters list|pin|unpin|rollback}: the operators' view of a running node's
 * adapters, and the controls that steer what serves, through the SDK's {@code EngramClient.adapters()}.
 *
 * <pre>
 * engram adapters list     [--node URL] [--key-file FILE] [NAME] [--json]
 * engram adapters pin      NAME VERSION [--reason TEXT] [--node URL] [--key-file FILE]
 * engram adapters unpin    NAME [--reason TEXT] [--node URL] [--key-file FILE]
 * engram adapters rollback NAME VERSION [--reason TEXT] [--node URL] [--key-file FILE]
 * engram adapters export   NAME VERSION DIR [--bootstrap HOST:PORT] [--trusted-workers FILE]
 * </pre>
 *
 * <p>Listing needs a reader's key, the controls an operator's; the node records the key's principal
 * as the control's operator and in its audit log ({@code engram audit}).
 */
@Command(
        name = "adapters",
        mixinStandardHelpOptions = true,
        header = "List a node's adapter versions, pin, unpin or roll one back, or export one as a PEFT folder.",
        description = {
            "List a node's adapter versions (status, gate metrics, reason), and pin, unpin or roll back.",
            "Controls go onto engram.adapters, so every node applies them and they survive restarts."
        },
        subcommands = {
            AdaptersCommand.ListVersions.class,
            AdaptersCommand.Pin.class,
            AdaptersCommand.Unpin.class,
            AdaptersCommand.Rollback.class,
            AdapterExportCommand.class
        })
final class AdaptersCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the node is, which key to send, and how to print, shared by the subcommands. */
    static final class NodeOption {
        @Mixin
        NodeAccess access;

        @Option(names = "--json", description = "Print the answer as JSON.")
        boolean json;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List adapters and their versions.")
    static final class ListVersions implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        NodeOption node;

        @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this adapter.")
        String name;

        @Override
        public Integer call() throws IOException {
            return name == null
                    ? send(spec, node, NodeAdapters::list, AdaptersCommand::print)
                    : send(spec, node, adapters -> adapters.get(name), AdaptersCommand::print);
        }
    }

    @Command(
            name = "pin",
            mixinStandardHelpOptions = true,
            description = "Serve VERSION of NAME whatever is promoted later, until unpinned.")
    static final class Pin implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        NodeOption node;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION")
        long version;

        @Option(names = "--reason", defaultValue = "", paramLabel = "TEXT")
        String reason;

        @Override
        public Integer call() throws IOException {
            return send(spec, node, adapters -> adapters.pin(name, version, reason), AdaptersCommand::print);
        }
    }

    @Command(name = "unpin", mixinStandardHelpOptions = true, description = "Serve the newest promoted version again.")
    static final class Unpin implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        NodeOption node;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--reason", defaultValue = "", paramLabel = "TEXT")
        String reason;

        @Override
        public Integer call() throws IOException {
            return send(spec, node, adapters -> adapters.unpin(name, reason), AdaptersCommand::print);
        }
    }

    @Command(
            name = "rollback",
            mixinStandardHelpOptions = true,
            description = "Serve VERSION (below the one serving) until a newer version is promoted.")
    static final class Rollback implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        NodeOption node;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION")
        long version;

        @Option(names = "--reason", defaultValue = "", paramLabel = "TEXT")
        String reason;

        @Override
        public Integer call() throws IOException {
            return send(spec, node, adapters -> adapters.rollback(name, version, reason), AdaptersCommand::print);
        }
    }

    /** Makes one call to the node's adapter routes through the SDK, and prints its answer or why it failed. */
    private static <T> int send(
            CommandSpec spec, NodeOption node, Function<NodeAdapters, T> call, BiConsumer<PrintWriter, T> printer)
            throws IOException {
        T answer;
        try (EngramClient client = node.access.client()) {
            answer = call.apply(client.adapters());
        } catch (EngramApiException e) {
            return node.access.fail(spec, e);
        } catch (InvalidRequestException e) {
            return node.access.fail(spec, e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (node.json) {
            out.println(EventCodec.mapper().writeValueAsString(answer));
        } else {
            printer.accept(out, answer);
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, AdapterListing listing) {
        if (listing.adapters().isEmpty()) {
            out.println("no adapters on this node yet");
        }
        listing.adapters().forEach(a -> print(out, a));
        if (listing.gate() != null) {
            out.printf(
                    Locale.ROOT,
                    "gate on this node: held-out nDCG@10 gain >= %.4f, retention loss <= %.4f%n",
                    listing.gate().minHeldOutGain(),
                    listing.gate().maxRetentionLoss());
        }
    }

    private static void print(PrintWriter out, AcceptedControl accepted) {
        AdapterControl c = accepted.published();
        try {
            out.println(c.action().name().toLowerCase(Locale.ROOT) + " " + c.adapterName() + ": published at offset "
                    + accepted.offset() + ": " + EventCodec.mapper().writeValueAsString(c));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        if (accepted.note() != null) {
            out.println("  " + accepted.note());
        }
    }

    private static void print(PrintWriter out, AdapterInfo a) {
        if (a.kind() == AdapterKind.AGENT_MODEL) {
            printAgentModel(out, a);
            return;
        }
        out.println(a.name() + " (tenant " + a.tenant() + "): serving "
                + (a.serving() == null ? "the base encoder" : "v" + a.serving()));
        AdapterControl control = a.control();
        if (control != null) {
            out.println("  control: " + control.action().name().toLowerCase(Locale.ROOT)
                    + (control.version() == null ? "" : " v" + control.version()) + " by " + control.operator()
                    + (control.reason().isEmpty() ? "" : " (" + control.reason() + ")"));
        }
        for (AdapterVersionInfo v : a.versions()) {
            AdapterMetrics m = v.metrics();
            out.println(String.format(
                            Locale.ROOT,
                            "  %s v%-4d %-9s held-out %s  %s%s",
                            v.serving() ? "*" : " ",
                            v.version(),
                            v.status(),
                            m == null
                                    ? "(unreadable)"
                                    : String.format(
                                            Locale.ROOT, "%.4f -> %.4f", m.parentHeldOutNdcg10(), m.heldOutNdcg10()),
                            v.reason(),
                            v.policy() == null || v.policy().isEmpty() ? "" : " [" + v.policy() + "]")
                    + (v.failed() ? " (failed while serving)" : ""));
        }
    }

    private static void printAgentModel(PrintWriter out, AdapterInfo a) {
        out.println(a.name() + " (tenant " + a.tenant() + "): agent-model adapter, listed by the node, not served"
                + " by it (engram adapters export NAME VERSION DIR writes one for a serving stack)");
        for (AdapterVersionInfo v : a.versions()) {
            PlanLossMetrics p = v.planLoss();
            out.println(String.format(
                    Locale.ROOT,
                    "    v%-4d %-9s plan loss %s  %s",
                    v.version(),
                    v.status(),
                    p == null
                            ? "(unreadable)"
                            : String.format(Locale.ROOT, "%.4f -> %.4f", p.servingNll(), p.candidateNll()),
                    v.reason()));
        }
    }
}
