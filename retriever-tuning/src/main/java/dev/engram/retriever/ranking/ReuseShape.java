package dev.engram.retriever.ranking;

import java.util.Locale;

/**
 * How {@link JudgedCaseReuse} finds and weighs similar past tasks, beyond its strength β, its
 * number of neighbours and its threshold: the closeness curve, how much a useless verdict counts,
 * and whether the tasks' words count in their similarity besides their query vectors.
 *
 * <pre>{@code
 * RankerPolicy.proposed().withReuseShape(new ReuseShape(2.0, 0.5, 0.25));
 * }</pre>
 *
 * @param power under {@link RankerPolicy.ReuseWeighting#CLOSENESS} a similar task weighs
 *     {@code closeness^power} ({@code closeness = (sim − threshold) / (1 − threshold)}): above 1 the
 *     closest tasks count far more than the middling ones; > 0 and finite (1: linear)
 * @param uselessWeight what a useless verdict counts, against 1 for a useful one, in [0, 1]: below 1
 *     a case that a similar task could not use sinks less than a useful one rises (1: alike)
 * @param textWeight {@code α}: the similarity of a past task to the query is
 *     {@code (1 − α) · cos + α · words}, where {@code words} is the cosine of the two texts' idf-weighted
 *     word sets (stemmed, stopwords out; idf over the tenant's past tasks); in [0, 1) (0: the cosine of
 *     the query vectors alone). A task asked again is recognised by its vector alone.
 */
public record ReuseShape(double power, double uselessWeight, double textWeight) {

    /** Linear closeness, useful and useless alike, the query vectors' cosine alone: reuse as first proposed. */
    public static final ReuseShape LINEAR = new ReuseShape(1, 1, 0);

    public ReuseShape {
        if (!(power > 0) || Double.isInfinite(power)) {
            throw new IllegalArgumentException("reuseShape.power must be > 0 and finite, was " + power);
        }
        if (!(uselessWeight >= 0 && uselessWeight <= 1)) {
            throw new IllegalArgumentException("reuseShape.uselessWeight must be in [0, 1], was " + uselessWeight);
        }
        if (!(textWeight >= 0 && textWeight < 1)) {
            throw new IllegalArgumentException("reuseShape.textWeight must be in [0, 1), was " + textWeight);
        }
    }

    /** This shape with another closeness power. */
    public ReuseShape withPower(double p) {
        return new ReuseShape(p, uselessWeight, textWeight);
    }

    /** This shape with another weight of useless verdicts. */
    public ReuseShape withUselessWeight(double u) {
        return new ReuseShape(power, u, textWeight);
    }

    /** This shape with another share of the words in the tasks' similarity. */
    public ReuseShape withTextWeight(double a) {
        return new ReuseShape(power, uselessWeight, a);
    }

    /** A task's weight from its closeness in [0, 1]. */
    double weigh(double closeness) {
        return power == 1 ? closeness : Math.pow(closeness, power);
    }

    /** For {@link RankerPolicy#describe()}, e.g. {@code "power 2.00, useless × 0.50, words 0.25"}. */
    String describe() {
        return String.format(Locale.ROOT, "power %.2f, useless × %.2f, words %.2f", power, uselessWeight, textWeight);
    }
}
