package dev.engram.tools.demo;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures a node's paired gate decided on, read back from its verdict's reason ({@code "... (n
 * 13, mean gain +0.0599, 95% interval [-0.0280, +0.1480], p 0.2700)"}), for the demo's summary: the
 * candidate's mean gain over the serving version in nDCG@10 points, with its interval.
 *
 * @param n the tasks the gate scored both versions on
 * @param meanGain the mean per-task gain, in nDCG@10 (not points)
 * @param confidencePercent the interval's confidence, e.g. 95
 * @param lower the interval's lower bound
 * @param upper the interval's upper bound
 */
record GateFigures(int n, double meanGain, int confidencePercent, double lower, double upper) {

    private static final Pattern MEASURED = Pattern.compile(
            "\\(n (\\d+), mean gain ([+-]?\\d+\\.\\d+), (\\d+)% interval \\[([+-]?\\d+\\.\\d+), ([+-]?\\d+\\.\\d+)\\]");

    /** The figures in {@code reason}, or empty when the gate decided on a worker's published figures. */
    static Optional<GateFigures> in(String reason) {
        if (reason == null) {
            return Optional.empty();
        }
        Matcher m = MEASURED.matcher(reason);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new GateFigures(
                Integer.parseInt(m.group(1)),
                Double.parseDouble(m.group(2)),
                Integer.parseInt(m.group(3)),
                Double.parseDouble(m.group(4)),
                Double.parseDouble(m.group(5))));
    }

    /** E.g. {@code "n 13: +6.0 [-2.8, +14.8]"}: points of nDCG@10 and the interval. */
    String cell() {
        return String.format(Locale.ROOT, "n %d: %+.1f [%+.1f, %+.1f]", n, 100 * meanGain, 100 * lower, 100 * upper);
    }
}
