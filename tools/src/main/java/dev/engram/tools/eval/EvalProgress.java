package dev.engram.tools.eval;

import dev.engram.tools.internal.ProgressBar;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Where {@code engram eval} reports while it runs: progress bars and one-line notes on the error
 * stream, so that the results on the output stream stay clean.
 */
final class EvalProgress {

    private final PrintWriter err;
    private final boolean interactive;

    EvalProgress(PrintWriter err, boolean interactive) {
        this.err = err;
        this.interactive = interactive;
    }

    /** A progress bar for a step of {@code total} units. */
    ProgressBar bar(String label, long total) {
        return new ProgressBar(err, label, total, interactive);
    }

    /** A note, e.g. what a step found. */
    void note(String format, Object... args) {
        err.println(args.length == 0 ? format : String.format(Locale.ROOT, format, args));
        err.flush();
    }
}
