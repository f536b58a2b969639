package dev.engram.streams.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.streams.EventLimits;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.RetrievedCase;
import java.util.ArrayList;
import java.util.List;

/** The JSON shape of {@link FeedbackEvent}: field names are the record component names. */
public final class FeedbackEventJson {

    private FeedbackEventJson() {}

    /** The event as a JSON tree; {@code useful} is left out when there is no judgement. */
    public static ObjectNode toTree(ObjectMapper mapper, FeedbackEvent event) {
        ObjectNode root = mapper.createObjectNode();
        root.put("schemaVersion", event.schemaVersion());
        root.put("eventId", event.eventId());
        root.put("tenant", event.tenant());
        root.put("agentId", event.agentId());
        root.put("timestamp", event.timestamp().toString());
        root.put("task", event.task());
        root.put("plan", event.plan());
        root.put("outcome", event.outcome());
        root.put("reward", event.reward());
        ArrayNode retrieved = root.putArray("retrieved");
        for (RetrievedCase c : event.retrieved()) {
            ObjectNode entry = retrieved.addObject();
            entry.put("caseId", c.caseId());
            entry.put("rank", c.rank());
            if (c.useful() != null) {
                entry.put("useful", c.useful());
            }
        }
        return root;
    }

    /** The event in a parsed JSON tree. */
    public static FeedbackEvent fromTree(JsonNode tree) {
        JsonFieldReader in = JsonFieldReader.of(tree, "");
        int schemaVersion = in.requiredInt("schemaVersion");
        // Checked before any other field: a newer version may have changed any of them.
        FieldChecks.requireSchemaVersion(in.pathOf("schemaVersion"), schemaVersion, FeedbackEvent.SCHEMA_VERSION);
        String eventId = in.text("eventId");
        String tenant = in.text("tenant");
        String agentId = in.text("agentId");
        var timestamp = in.instant("timestamp");
        String task = in.text("task");
        String plan = in.text("plan");
        String outcome = in.text("outcome");
        double reward = in.requiredDouble("reward");
        List<RetrievedCase> retrieved = retrieved(in.array("retrieved"), in.pathOf("retrieved"));
        return new FeedbackEvent(
                schemaVersion, eventId, tenant, agentId, timestamp, task, plan, outcome, reward, retrieved);
    }

    private static List<RetrievedCase> retrieved(JsonNode array, String path) {
        if (array == null) {
            return null;
        }
        if (array.size() > EventLimits.MAX_RETRIEVED) {
            // Checked before building the entries so a huge array costs nothing more.
            throw new InvalidEventException(
                    path, "at most " + EventLimits.MAX_RETRIEVED + " entries allowed, was " + array.size());
        }
        List<RetrievedCase> cases = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String entryPath = path + "[" + i + "]";
            JsonFieldReader entry = JsonFieldReader.of(array.get(i), entryPath);
            String caseId = entry.text("caseId");
            int rank = entry.requiredInt("rank");
            Boolean useful = entry.optionalBoolean("useful");
            try {
                cases.add(new RetrievedCase(caseId, rank, useful));
            } catch (InvalidEventException e) {
                throw e.within(entryPath);
            }
        }
        return cases;
    }
}
