package dev.engram.tools.internal;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar for a long step: {@code   produce  [=========>          ]  700/1400  50%  0.4 s}.
 * On a terminal it redraws in place (carriage return, at most every 100 ms); elsewhere (a pipe, a
 * test) it prints only the finished line, so logs stay readable. Not thread-safe: update it from
 * one thread. The one progress bar of the tools (CLI, demo, eval).
 */
public final class ProgressBar {

    public static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final String label;
    private final long total;
    private final boolean interactive;
    private final long started = System.nanoTime();
    private long lastDraw;
    private int lastLength;

    /** A bar on a stream, e.g. {@code System.out}; {@code interactive}: redraw in place (a terminal). */
    public ProgressBar(PrintStream out, String label, long total, boolean interactive) {
        this(new PrintWriter(out, true), label, total, interactive);
    }

    /** A bar on a writer (e.g. picocli's {@code err}); {@code interactive}: redraw in place (a terminal). */
    public ProgressBar(PrintWriter out, String label, long total, boolean interactive) {
        if (total < 0) {
            throw new IllegalArgumentException("total must be >= 0, was " + total);
        }
        this.out = out;
        this.label = label;
        this.total = total;
        this.interactive = interactive;
    }

    /** Shows {@code done} of the total (redraws on a terminal when due). */
    public void update(long done) {
        long now = System.nanoTime();
        if (interactive && (now - lastDraw >= REDRAW_NANOS || done >= total)) {
            lastDraw = now;
            String line = line(done, now, "");
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            out.flush();
            lastLength = line.length();
        }
    }

    /** Draws the final state with a note after it (e.g. a rate) and ends the line. */
    public void finish(long done, String note) {
        String line = line(done, System.nanoTime(), note);
        if (interactive) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())) + System.lineSeparator());
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** The count that fills the bar. */
    public long total() {
        return total;
    }

    /** Seconds since the bar was created. */
    public double elapsedSeconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    /** The bar's text for {@code done} at {@code nowNanos}, with a note after it. */
    public String line(long done, long nowNanos, String note) {
        double fraction = total == 0 ? 1.0 : Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        StringBuilder bar = new StringBuilder(WIDTH);
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '=' : (i == filled ? '>' : ' '));
        }
        String count = String.format(Locale.ROOT, "%" + Long.toString(total).length() + "d/%d", done, total);
        return String.format(
                Locale.ROOT,
                "  %-8s [%s] %s %3d%%  %.1f s%s",
                label,
                bar,
                count,
                Math.round(fraction * 100),
                (nowNanos - started) / 1e9,
                note.isEmpty() ? "" : "  " + note);
    }
}
