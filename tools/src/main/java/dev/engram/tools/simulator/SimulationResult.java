package dev.engram.tools.simulator;

import java.util.List;

/**
 * What one {@link FeedbackSimulator#run} sent.
 *
 * @param eventIds the ids of the events sent and acknowledged, in query order
 * @param judgements how many recalled cases were judged, over all events
 * @param usefulJudgements how many of those were judged useful
 * @param rewardedEvents how many events had reward 1 (at least one useful case)
 */
public record SimulationResult(List<String> eventIds, int judgements, int usefulJudgements, int rewardedEvents) {

    public SimulationResult {
        if (eventIds == null) {
            throw new IllegalArgumentException("simulationResult.eventIds is required");
        }
        eventIds = List.copyOf(eventIds);
        if (judgements < 0 || usefulJudgements < 0 || usefulJudgements > judgements) {
            throw new IllegalArgumentException("simulationResult.usefulJudgements must be in 0..judgements, was "
                    + usefulJudgements + " of " + judgements);
        }
        if (rewardedEvents < 0 || rewardedEvents > eventIds.size()) {
            throw new IllegalArgumentException(
                    "simulationResult.rewardedEvents must be in 0..events, was " + rewardedEvents);
        }
    }

    /** How many events were sent. */
    public int eventsSent() {
        return eventIds.size();
    }
}
