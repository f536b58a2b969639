package dev.engram.tools.simulator;

/**
 * What the {@link FeedbackSimulator} simulates.
 *
 * @param tenant the tenant whose cases are recalled and whose feedback is sent (required)
 * @param k how many cases each feedback query recalls, 1..1000
 * @param agentId the agent id on every simulated event (required)
 * @param caseIdPrefix the prefix that turns a document id into a case id (e.g. {@code "cran-"}); a
 *     recalled case without it has no judgement and so is judged not useful
 * @param round the simulation round, &gt;= 0; part of every event id, so that a rerun of one round
 *     sends the same ids (the node applies them once) and a new round sends new ones
 */
public record SimulatorConfig(String tenant, int k, String agentId, String caseIdPrefix, int round) {

    /** The prefix of every simulated event id. */
    public static final String EVENT_ID_PREFIX = "sim-";

    public SimulatorConfig {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("simulatorConfig.tenant is required");
        }
        if (k < 1 || k > 1000) {
            throw new IllegalArgumentException("simulatorConfig.k must be in 1..1000, was " + k);
        }
        if (agentId == null || agentId.isBlank()) {
            throw new IllegalArgumentException("simulatorConfig.agentId is required");
        }
        if (caseIdPrefix == null) {
            throw new IllegalArgumentException("simulatorConfig.caseIdPrefix is required (may be empty)");
        }
        if (round < 0) {
            throw new IllegalArgumentException("simulatorConfig.round must be >= 0, was " + round);
        }
    }

    /** Round 0 of agent {@code "feedback-simulator"} over Cranfield case ids ({@code cran-<docId>}). */
    public static SimulatorConfig cranfield(String tenant, int k) {
        return new SimulatorConfig(tenant, k, "feedback-simulator", "cran-", 0);
    }

    /** This config for another round. */
    public SimulatorConfig withRound(int value) {
        return new SimulatorConfig(tenant, k, agentId, caseIdPrefix, value);
    }

    /** The event id of a query in this round: {@code sim-<tenant>-<queryId>-r<round>}. */
    public String eventId(String queryId) {
        return EVENT_ID_PREFIX + tenant + "-" + queryId + "-r" + round;
    }

    /** The prefix shared by the event ids of this tenant: {@code sim-<tenant>-}. */
    public String eventIdPrefix() {
        return EVENT_ID_PREFIX + tenant + "-";
    }

    /** The document id of a case id, or {@code null} when it lacks {@link #caseIdPrefix}. */
    public String docId(String caseId) {
        return caseId.startsWith(caseIdPrefix) && caseId.length() > caseIdPrefix.length()
                ? caseId.substring(caseIdPrefix.length())
                : null;
    }
}
