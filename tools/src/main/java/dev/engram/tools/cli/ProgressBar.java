package dev.engram.tools.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line terminal progress bar, redrawn in place at most ten times a second:
 * {@code produce [############------------]  4,000/10,000  40%  2,345/s}.
 */
final class ProgressBar {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final String label;
    private final long total;
    private final long startNanos = System.nanoTime();
    private long lastDraw;

    ProgressBar(PrintWriter out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(total, 0);
    }

    /** Redraws when due. */
    void update(long done) {
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw(done);
        }
    }

    /** Draws the final state and ends the line. */
    void finish(long done) {
        draw(done);
        out.println();
        out.flush();
    }

    private void draw(long done) {
        double fraction = total == 0 ? 1.0 : Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        out.print(String.format(Locale.ROOT, "\r%s [%s%s] %,d/%,d %3d%%  %,.0f/s", label, "#".repeat(filled),
                "-".repeat(WIDTH - filled), done, total, Math.round(fraction * 100), done / seconds));
        out.flush();
    }
}
