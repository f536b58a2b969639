package dev.engram.memory.internal;

/**
 * The mutable part of a case, kept in numeric doc values so a judgement updates it in place.
 *
 * @param timesRecalled judgements received
 * @param timesUseful judgements that found it useful
 * @param updatedAtMillis timestamp of the latest judging episode (or creation)
 */
public record CaseCounters(long timesRecalled, long timesUseful, long updatedAtMillis) {

    public static CaseCounters initial(long createdAtMillis) {
        return new CaseCounters(0, 0, createdAtMillis);
    }

    /** These counters after {@code recalled} more judgements, {@code useful} of them useful, seen at {@code atMillis}. */
    public CaseCounters plus(long recalled, long useful, long atMillis) {
        return new CaseCounters(timesRecalled + recalled, timesUseful + useful, Math.max(updatedAtMillis, atMillis));
    }
}
