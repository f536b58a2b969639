package dev.engram.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;

/** Prints a recall answer (the HTTP API's JSON) for people: positives first, then negatives. */
final class RecallPrinter {

    private static final int TEXT_WIDTH = 100;

    private RecallPrinter() {
    }

    static void print(PrintWriter out, JsonNode answer) {
        JsonNode positives = answer.path("positives");
        JsonNode negatives = answer.path("negatives");
        out.printf(Locale.ROOT, "%d cases for tenant %s (%s, adapter %s, %.1f ms)%n",
                answer.path("ranked").size(), answer.path("tenant").asText(), answer.path("mode").asText(),
                answer.path("adapterVersion").asText(), answer.path("tookMs").asDouble());
        section(out, "Positives", "worth repeating", positives);
        section(out, "Negatives", "what not to do", negatives);
        out.flush();
    }

    private static void section(PrintWriter out, String title, String meaning, JsonNode cases) {
        out.println();
        out.printf("%s (%d): %s%n", title, cases.size(), meaning);
        if (cases.isEmpty()) {
            out.println("  (none)");
        }
        for (JsonNode c : cases) {
            out.printf(Locale.ROOT, "  #%d  %s  score %.4f  reward %.2f  useful %d/%d%n", c.path("rank").asInt(),
                    c.path("caseId").asText(), c.path("score").asDouble(), c.path("reward").asDouble(),
                    c.path("timesUseful").asLong(), c.path("timesRecalled").asLong());
            line(out, "task", c.path("task").asText());
            line(out, "plan", c.path("plan").asText());
            line(out, "outcome", c.path("outcome").asText());
            line(out, "why", c.path("reason").asText());
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
