package dev.engram.tools.cli;

import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.InvalidRequestException;
import dev.engram.runtime.RecallMode;
import dev.engram.streams.EventCodec;
import dev.engram.streams.RecallResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code engram recall --tenant T [--k K] [--mode hybrid|bm25|dense] TEXT}: asks a running node for
 * the useful cases for a task, through the SDK's {@code EngramClient.recall}.
 */
@Command(
        name = "recall",
        mixinStandardHelpOptions = true,
        header = "Recall the most useful past cases of a tenant for a task from a running node.",
        description = {
            "Recall the most useful past cases of a tenant for a task from a running node (HTTP API),",
            "split into positives (worth repeating) and negatives (what not to do)."
        })
final class RecallCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "Whose cases to search.")
    String tenant;

    @Option(
            names = "--k",
            defaultValue = "10",
            paramLabel = "K",
            description = "How many cases (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(
            names = "--mode",
            paramLabel = "MODE",
            converter = ModeConverter.class,
            completionCandidates = Modes.class,
            description = {
                "How to search: ${COMPLETION-CANDIDATES} (default: the node's: hybrid with an embedder,",
                "else bm25)."
            })
    RecallMode mode;

    @Mixin
    NodeAccess access;

    @Option(names = "--json", description = "Print the answer as JSON.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "The task text (several words are joined).")
    List<String> words;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        RecallResponse answer;
        try (EngramClient client = access.client()) {
            answer = client.recall(tenant, String.join(" ", words), k, mode);
        } catch (EngramApiException e) {
            return access.fail(spec, e);
        } catch (InvalidRequestException e) {
            return access.fail(spec, e);
        }
        if (json) {
            out.println(EventCodec.mapper().writeValueAsString(answer));
        } else {
            RecallPrinter.print(out, answer);
        }
        out.flush();
        return 0;
    }

    /** {@code --mode}'s values, by their wire names. */
    static final class Modes implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Arrays.stream(RecallMode.values()).map(RecallMode::wireName).iterator();
        }
    }

    /** Reads {@code --mode} as the SDK does (case-insensitive), with its message on a wrong value. */
    static final class ModeConverter implements ITypeConverter<RecallMode> {
        @Override
        public RecallMode convert(String value) {
            try {
                return RecallMode.parse(value);
            } catch (InvalidRequestException e) {
                throw new TypeConversionException(e.reason());
            }
        }
    }
}
