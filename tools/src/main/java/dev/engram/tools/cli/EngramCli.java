package dev.engram.tools.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code engram} command line.
 *
 * <pre>
 * engram serve   [--data DIR] [--bootstrap HOST:PORT] [--http-port PORT]   run a node
 * engram produce FILE.jsonl [--bootstrap HOST:PORT]                        send feedback events
 * engram recall  --tenant T [--k 10] [--node URL] TEXT                      recall useful cases
 * engram demo    ...                                                        the Cranfield demo
 * engram worker  [--bootstrap HOST:PORT] [--data DIR]                       run training jobs
 * engram broker  [--data DIR] [--port 9092]                                 a Kafka broker for several nodes
 * engram adapters list|pin|unpin|rollback [--node URL] ...                  see and steer adapter versions
 * engram keys    create|list|revoke [--node URL | --data DIR] ...           manage API keys
 * engram audit   [--limit N] [--node URL]                                   who did what, and why
 * engram eval    --beir DIR [--seeds 3] [--rounds N] [--feedback-passes N] [--lora] [--reuse-variants] [--out DIR]   does Engram help on my data?
 * engram agent-model --model DIR --feedback FILE --tenant T --out DIR       a gated LoRA for your own model
 * </pre>
 *
 * <p>Commands that call a node send an API key: {@code --key-file FILE}, else {@code $ENGRAM_API_KEY},
 * else the local node's {@code DATA/admin.key} (see {@link NodeAccess}).
 */
@Command(
        name = "engram",
        mixinStandardHelpOptions = true,
        version = "engram 0.1.0",
        description = "Engram: a case memory for LLM agents that learns from feedback on Kafka.",
        subcommands = {
            ServeCommand.class,
            ProduceCommand.class,
            RecallCommand.class,
            DemoCommand.class,
            WorkerCommand.class,
            BrokerCommand.class,
            AdaptersCommand.class,
            KeysCommand.class,
            AuditCommand.class,
            NodeKeyCommand.class,
            EvalCommand.class,
            AgentModelCommand.class,
            HelpCommand.class
        })
public final class EngramCli implements Runnable {

    @Spec
    CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with errors reported as one readable line instead of a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new EngramCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("engram " + commandLine.getCommandName() + ": " + describe(e));
            commandLine.getErr().flush();
            return 1;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        Throwable cause = e.getCause();
        while (cause != null && cause != cause.getCause()) {
            if (cause.getMessage() != null && !sb.toString().contains(cause.getMessage())) {
                sb.append("\n  caused by: ").append(cause);
            }
            cause = cause.getCause();
        }
        return sb.toString();
    }
}
