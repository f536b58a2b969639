package dev.engram.tools.cli;

import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** Prints a recall answer for people: positives first, then negatives. */
final class RecallPrinter {

    private static final int TEXT_WIDTH = 100;

    private RecallPrinter() {}

    static void print(PrintWriter out, RecallResponse answer) {
        out.printf(
                Locale.ROOT,
                "%d cases for tenant %s (%s, adapter %s%s, %.1f ms)%n",
                answer.ranked().size(),
                answer.tenant(),
                answer.mode(),
                answer.adapterVersion(),
                answer.fallbackFrom() == null ? "" : ", fell back from " + answer.fallbackFrom(),
                answer.tookMs());
        section(out, "Positives", "worth repeating", answer.positives());
        section(out, "Negatives", "what not to do", answer.negatives());
        out.flush();
    }

    private static void section(PrintWriter out, String title, String meaning, List<RecalledCase> cases) {
        out.println();
        out.printf("%s (%d): %s%n", title, cases.size(), meaning);
        if (cases.isEmpty()) {
            out.println("  (none)");
        }
        for (RecalledCase c : cases) {
            out.printf(
                    Locale.ROOT,
                    "  #%d  %s  score %.4f  reward %.2f  useful %d/%d%n",
                    c.rank(),
                    c.caseId(),
                    c.score(),
                    c.reward(),
                    c.timesUseful(),
                    c.timesRecalled());
            line(out, "task", c.task());
            line(out, "plan", c.plan());
            line(out, "outcome", c.outcome());
            line(out, "why", c.reason());
        }
    }

    private static void line(PrintWriter out, String label, String text) {
        if (text == null || text.isBlank()) {
            return;
        }
        String flat = text.replaceAll("\\s+", " ").strip();
        if (flat.length() > TEXT_WIDTH) {
            flat = flat.substring(0, TEXT_WIDTH - 1) + "…";
        }
        out.printf("      %-8s %s%n", label, flat);
    }
}
