package dev.engram.streams.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.streams.EventLimits;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.RetrievedCase;
import java.io.IOException;
import java.time.Instant;
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

    /**
     * The event read straight off the parser, without building a tree, or null when the bytes are
     * anything but a plain valid event: malformed or trailing JSON, a field this does not know (the
     * tree reader ignores it, after reading it), a type or number form other than the usual one, or
     * a rule broken. Then {@link #fromTree} reads the bytes again and is the one that says what is
     * wrong, so the reason a record is dead-lettered does not depend on this shortcut. Every event
     * this returns, {@code fromTree} returns equal (the tree and its nodes were most of the decoding
     * that was not the texts themselves).
     *
     * @param parser a parser at the start of the document, with the codec's features (duplicate keys
     *     rejected, nesting limited); the caller closes it
     */
    public static FeedbackEvent readPlain(JsonParser parser) {
        try {
            return plain(parser);
        } catch (IOException | RuntimeException e) { // the tree reader reports it
            return null;
        }
    }

    private static FeedbackEvent plain(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        Integer schemaVersion = null;
        Double reward = null;
        String eventId = null, tenant = null, agentId = null, timestamp = null;
        String task = null, plan = null, outcome = null;
        List<RetrievedCase> retrieved = null;
        for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
            JsonToken value = p.nextToken();
            switch (field) {
                case "schemaVersion" -> schemaVersion = plainInt(p, value);
                case "eventId" -> eventId = plainText(p, value);
                case "tenant" -> tenant = plainText(p, value);
                case "agentId" -> agentId = plainText(p, value);
                case "timestamp" -> timestamp = plainText(p, value);
                case "task" -> task = plainText(p, value);
                case "plan" -> plan = plainText(p, value);
                case "outcome" -> outcome = plainText(p, value);
                case "reward" -> reward = plainNumber(p, value);
                case "retrieved" -> retrieved = plainRetrieved(p, value);
                default -> {
                    return null;
                }
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            return null; // not an object's end, or content after it
        }
        if (schemaVersion == null || reward == null) {
            return null; // required: absent or null
        }
        Instant at = timestamp == null ? null : IsoInstants.parse(timestamp);
        return new FeedbackEvent(schemaVersion, eventId, tenant, agentId, at, task, plan, outcome, reward, retrieved);
    }

    private static List<RetrievedCase> plainRetrieved(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.START_ARRAY) {
            throw NotPlain.INSTANCE;
        }
        List<RetrievedCase> cases = new ArrayList<>();
        for (JsonToken entry = p.nextToken(); entry != JsonToken.END_ARRAY; entry = p.nextToken()) {
            if (entry != JsonToken.START_OBJECT || cases.size() == EventLimits.MAX_RETRIEVED) {
                throw NotPlain.INSTANCE;
            }
            String caseId = null;
            Integer rank = null;
            Boolean useful = null;
            for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                JsonToken v = p.nextToken();
                switch (field) {
                    case "caseId" -> caseId = plainText(p, v);
                    case "rank" -> rank = plainInt(p, v);
                    case "useful" ->
                        useful = switch (v) {
                            case VALUE_TRUE -> Boolean.TRUE;
                            case VALUE_FALSE -> Boolean.FALSE;
                            case VALUE_NULL -> null;
                            default -> throw NotPlain.INSTANCE;
                        };
                    default -> throw NotPlain.INSTANCE;
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || rank == null) {
                throw NotPlain.INSTANCE;
            }
            cases.add(new RetrievedCase(caseId, rank, useful));
        }
        return cases;
    }

    /** A string, or null for JSON null; as {@link JsonFieldReader#text}. */
    private static String plainText(JsonParser p, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_STRING -> p.getText();
            case VALUE_NULL -> null;
            default -> throw NotPlain.INSTANCE;
        };
    }

    /** An integer that the tree holds as an int node, or null for JSON null. */
    private static Integer plainInt(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
            throw NotPlain.INSTANCE;
        }
        return p.getIntValue();
    }

    /** A number as the tree's int or double node gives it as a double, or null for JSON null. */
    private static Double plainNumber(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
            return (double) p.getIntValue();
        }
        if (value == JsonToken.VALUE_NUMBER_FLOAT) {
            JsonParser.NumberTypeFP type = p.getNumberTypeFP();
            if (type != JsonParser.NumberTypeFP.BIG_DECIMAL && type != JsonParser.NumberTypeFP.FLOAT32) {
                return p.getDoubleValue(); // as the tree's double node holds it
            }
        }
        throw NotPlain.INSTANCE;
    }

    /** The bytes are not a plain event: read them through the tree. Thrown often, so no stack. */
    private static final class NotPlain extends RuntimeException {
        static final NotPlain INSTANCE = new NotPlain();

        private NotPlain() {
            super("not a plain feedback event", null, false, false);
        }
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
