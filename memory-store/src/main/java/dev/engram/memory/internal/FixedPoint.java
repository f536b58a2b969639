package dev.engram.memory.internal;

/** The numbers in recall reasons, formatted by hand: {@code String.format} was ~10% of a recall. */
public final class FixedPoint {
    private FixedPoint() {}

    /** Appends {@code value} rounded half-up to {@code decimals} places, as {@code %.<decimals>f} would. */
    public static StringBuilder append(StringBuilder sb, double value, int decimals) {
        long scale = decimals == 4 ? 10_000 : decimals == 2 ? 100 : (long) Math.pow(10, decimals);
        long scaled = Math.round(Math.abs(value) * scale);
        if (value < 0 && scaled != 0) {
            sb.append('-');
        }
        sb.append(scaled / scale).append('.');
        String frac = Long.toString(scaled % scale);
        for (int i = frac.length(); i < decimals; i++) {
            sb.append('0');
        }
        return sb.append(frac);
    }
}
