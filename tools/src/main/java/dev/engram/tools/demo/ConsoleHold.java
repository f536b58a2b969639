package dev.engram.tools.demo;

import dev.engram.node.EngramNode;
import java.io.PrintStream;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What {@code engram demo --console} does once the demo has run: print the node's console URL and
 * its admin key, then keep the node up until {@code hold} returns (the CLI's waits for Ctrl-C), so a
 * newcomer sees in the console the loop they just ran.
 *
 * <pre>{@code
 * new CranfieldDemo(options, System.out).execute(new ConsoleHold(System.out, stopped::await));
 * }</pre>
 */
public final class ConsoleHold implements Consumer<EngramNode> {

    /** Blocks while the node should stay up. */
    @FunctionalInterface
    public interface Hold {
        void await() throws InterruptedException;
    }

    private final PrintStream out;
    private final Hold hold;

    public ConsoleHold(PrintStream out, Hold hold) {
        this.out = Objects.requireNonNull(out, "out");
        this.hold = Objects.requireNonNull(hold, "hold");
    }

    @Override
    public void accept(EngramNode node) {
        out.println();
        out.println("  console     " + node.httpUrl() + "/console/");
        out.println("  admin key   "
                + node.localAdminKey()
                        .orElse("(none in " + node.config().dataDir() + "/admin.key: use a key you made there)"));
        out.println("  the node stays up for the console (sign in with the key); Ctrl-C stops it");
        out.flush();
        try {
            hold.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
