package dev.engram.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.Topics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The checks every end-to-end test makes of a node's store and of the dead-letter topic. */
public final class StreamAssertions {

    private StreamAssertions() {}

    /**
     * The store holds exactly the stream's distinct valid events, with the statistics of one
     * clean pass ({@code reference}): nothing lost, nothing doubled, every judgement counted once.
     */
    public static void assertExactlyOnce(CaseStore store, CaseStore reference, FeedbackStream stream) {
        long judged = 0;
        for (String tenant : stream.tenants()) {
            List<Case> cases = store.cases(tenant);
            assertThat(cases)
                    .extracting(Case::caseId)
                    .as("case ids of %s", tenant)
                    .containsExactlyInAnyOrderElementsOf(stream.idsOf(tenant));
            assertThat(cases).as("cases and statistics of %s", tenant).isEqualTo(reference.cases(tenant));
            judged += cases.stream().mapToLong(Case::timesRecalled).sum();
        }
        assertThat(judged)
                .as("the stream judges cases, so statistics are exercised")
                .isPositive();
    }

    /**
     * Every invalid record is on the dead-letter topic (at least once) with its original bytes, its
     * partition/offset and a reason that starts with the offending field.
     */
    public static void assertDeadLettered(String bootstrap, Produced produced) {
        Map<String, FeedbackStream.Item> invalid = produced.invalidByPosition();
        Map<String, DeadLetter> letters = new HashMap<>();
        for (DeadLetter letter : DeadLetterTopic.readAll(bootstrap)) {
            String position = letter.partition() + "@" + letter.offset();
            if (letter.sourceTopic().equals(Topics.FEEDBACK) && invalid.containsKey(position)) {
                letters.putIfAbsent(position, letter);
            }
        }
        assertThat(letters.keySet()).as("dead-lettered positions").isEqualTo(invalid.keySet());
        letters.forEach((position, letter) -> {
            FeedbackStream.Item item = invalid.get(position);
            assertThat(letter.original()).as("original bytes of %s", position).isEqualTo(item.value());
            assertThat(letter.reason()).as("reason of %s", position).startsWith(item.invalidField() + ":");
        });
    }

    /** The tenants' case ids, for messages. */
    public static String counts(CaseStore store, Set<String> tenants) {
        return tenants.stream().map(t -> t + "=" + store.count(t)).collect(Collectors.joining(", "));
    }
}
