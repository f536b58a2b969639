package dev.engram.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FeedbackEventTest {

    /** Builds a valid event's fields, lets {@code change} break one, then constructs. */
    private static FeedbackEvent build(Consumer<Fields> change) {
        Fields f = new Fields();
        change.accept(f);
        return new FeedbackEvent(
                f.schemaVersion,
                f.eventId,
                f.tenant,
                f.agentId,
                f.timestamp,
                f.task,
                f.plan,
                f.outcome,
                f.reward,
                f.retrieved);
    }

    private static final class Fields {
        int schemaVersion = FeedbackEvent.SCHEMA_VERSION;
        String eventId = "evt-1";
        String tenant = "acme";
        String agentId = "agent-7";
        Instant timestamp = SampleEvents.AT;
        String task = "refund a damaged order";
        String plan = "issued a refund";
        String outcome = "customer satisfied";
        double reward = 0.5;
        List<RetrievedCase> retrieved = List.of(new RetrievedCase("case-1", 1, true));
    }

    private static void assertRejected(Consumer<Fields> change, String field, String messagePart) {
        assertThatThrownBy(() -> build(change)).isInstanceOfSatisfying(InvalidEventException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).startsWith(field + ": ").contains(messagePart);
        });
    }

    @Test
    void validEventKeepsItsFields() {
        FeedbackEvent e = build(f -> {});
        assertThat(e.schemaVersion()).isEqualTo(1);
        assertThat(e.tenant()).isEqualTo("acme");
        assertThat(e.reward()).isEqualTo(0.5);
        assertThat(e.retrieved()).containsExactly(new RetrievedCase("case-1", 1, true));
    }

    @Test
    void optionalTextsAndRetrievedDefaultToEmpty() {
        FeedbackEvent e = build(f -> {
            f.plan = null;
            f.outcome = null;
            f.retrieved = null;
        });
        assertThat(e.plan()).isEmpty();
        assertThat(e.outcome()).isEmpty();
        assertThat(e.retrieved()).isEmpty();
    }

    @Test
    void retrievedIsAnImmutableCopy() {
        List<RetrievedCase> mutable = new ArrayList<>(List.of(new RetrievedCase("c", 1, null)));
        FeedbackEvent e = build(f -> f.retrieved = mutable);
        mutable.clear();
        assertThat(e.retrieved()).hasSize(1);
        assertThatThrownBy(() -> e.retrieved().add(new RetrievedCase("d", 2, null)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void requiredFieldsAreRequired() {
        assertRejected(f -> f.eventId = null, "eventId", "is required");
        assertRejected(f -> f.tenant = null, "tenant", "is required");
        assertRejected(f -> f.agentId = null, "agentId", "is required");
        assertRejected(f -> f.timestamp = null, "timestamp", "is required");
        assertRejected(f -> f.task = null, "task", "is required");
    }

    @Test
    void timestampMustBeWhatAnEpochMillisecondCanHold() {
        // Instant allows a billion years either way; the store keeps epoch milliseconds (a long).
        assertRejected(
                f -> f.timestamp = EventLimits.MAX_TIMESTAMP.plusMillis(1),
                "timestamp",
                "what an epoch millisecond can hold");
        assertRejected(f -> f.timestamp = Instant.MAX, "timestamp", "was +1000000000-12-31T23:59:59.999999999Z");
        assertRejected(f -> f.timestamp = EventLimits.MIN_TIMESTAMP.minusMillis(1), "timestamp", "must be between");
        assertRejected(f -> f.timestamp = Instant.MIN, "timestamp", "must be between");
        assertThat(build(f -> f.timestamp = EventLimits.MAX_TIMESTAMP)
                        .timestamp()
                        .toEpochMilli())
                .isEqualTo(Long.MAX_VALUE);
        assertThat(build(f -> f.timestamp = EventLimits.MIN_TIMESTAMP)
                        .timestamp()
                        .toEpochMilli())
                .isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void requiredTextsMustNotBeBlank() {
        assertRejected(f -> f.eventId = " ", "eventId", "must not be blank");
        assertRejected(f -> f.agentId = "", "agentId", "must not be blank");
        assertRejected(f -> f.task = "\n\t", "task", "must not be blank");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "Acme",
                "-acme",
                "_acme",
                "ac me",
                "acme!",
                "ünïcode",
                "acme\n",
                "a2345678901234567890123456789012345678901234567890123456789012345"
            })
    void tenantMustMatchThePattern(String tenant) {
        assertRejected(f -> f.tenant = tenant, "tenant", "must match [a-z0-9][a-z0-9_-]{0,63}");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"a", "0", "acme", "acme-eu_1", "a234567890123456789012345678901234567890123456789012345678901234"
            })
    void tenantPatternAcceptsLegalNames(String tenant) {
        assertThat(build(f -> f.tenant = tenant).tenant()).isEqualTo(tenant);
    }

    @Test
    void rewardMustBeFiniteAndInUnitInterval() {
        assertRejected(f -> f.reward = 1.5, "reward", "must be in [0, 1], was 1.5");
        assertRejected(f -> f.reward = -0.01, "reward", "was -0.01");
        assertRejected(f -> f.reward = Double.NaN, "reward", "was NaN");
        assertRejected(f -> f.reward = Double.POSITIVE_INFINITY, "reward", "was Infinity");
        assertThat(build(f -> f.reward = 0.0).reward()).isZero();
        assertThat(build(f -> f.reward = 1.0).reward()).isEqualTo(1.0);
    }

    @Test
    void everyTextHasASizeLimit() {
        assertRejected(f -> f.eventId = "e".repeat(EventLimits.MAX_ID_CHARS + 1), "eventId", "at most 128 characters");
        assertRejected(f -> f.agentId = "a".repeat(EventLimits.MAX_ID_CHARS + 1), "agentId", "at most 128 characters");
        assertRejected(
                f -> f.task = "t".repeat(EventLimits.MAX_TASK_CHARS + 1),
                "task",
                "at most 16384 characters allowed, was 16385");
        assertRejected(f -> f.plan = "p".repeat(EventLimits.MAX_PLAN_CHARS + 1), "plan", "at most 32768 characters");
        assertRejected(
                f -> f.outcome = "o".repeat(EventLimits.MAX_OUTCOME_CHARS + 1), "outcome", "at most 32768 characters");
        FeedbackEvent atLimits = build(f -> {
            f.eventId = "e".repeat(EventLimits.MAX_ID_CHARS);
            f.task = "t".repeat(EventLimits.MAX_TASK_CHARS);
            f.plan = "p".repeat(EventLimits.MAX_PLAN_CHARS);
        });
        assertThat(atLimits.task()).hasSize(EventLimits.MAX_TASK_CHARS);
    }

    @Test
    void retrievedIsLimitedInSizeAndHasNoDuplicatesOrNulls() {
        List<RetrievedCase> tooMany = new ArrayList<>();
        for (int i = 0; i <= EventLimits.MAX_RETRIEVED; i++) {
            tooMany.add(new RetrievedCase("case-" + i, i + 1, null));
        }
        assertRejected(f -> f.retrieved = tooMany, "retrieved", "at most 100 entries allowed, was 101");
        assertRejected(
                f -> f.retrieved = List.of(
                        new RetrievedCase("a", 1, null),
                        new RetrievedCase("b", 2, null),
                        new RetrievedCase("a", 3, true)),
                "retrieved[2].caseId",
                "duplicate caseId 'a', already at retrieved[0]");
        List<RetrievedCase> withNull = new ArrayList<>();
        withNull.add(new RetrievedCase("a", 1, null));
        withNull.add(null);
        assertRejected(f -> f.retrieved = withNull, "retrieved[1]", "must not be null");
    }

    @Test
    void retrievedCaseValidatesItsFields() {
        assertThatThrownBy(() -> new RetrievedCase("c", 0, null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("rank: must be >= 1, was 0");
        assertThatThrownBy(() -> new RetrievedCase(null, 1, null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("caseId: is required");
        assertThatThrownBy(() -> new RetrievedCase("c".repeat(129), 1, null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("caseId: at most 128 characters");
    }

    @Test
    void schemaVersionFromTheFutureIsRejectedClearly() {
        assertRejected(
                f -> f.schemaVersion = 2,
                "schemaVersion",
                "version 2 is newer than this reader understands (up to 1); upgrade Engram");
        assertRejected(f -> f.schemaVersion = 0, "schemaVersion", "must be >= 1, was 0");
    }
}
