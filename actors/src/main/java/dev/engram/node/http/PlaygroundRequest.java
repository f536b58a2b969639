package dev.engram.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.streams.AdapterPublished;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /v1/tenants/{tenant}/playground}: a recall request ({@link RecallRequest}:
 * task, k, mode) and the two versions of the tenant's retriever policy to run it with.
 *
 * <pre>{"task": "customer charged twice", "k": 10, "mode": "dense", "versions": ["serving", "2"]}</pre>
 *
 * @param recall the task, k and mode, validated as a recall's
 * @param versions exactly two, each {@code "serving"}, {@code "base"}, a version number of the
 *     tenant's adapter ({@code "2"} or {@code "v2"}, a JSON number too) or {@code "<adapter>/v2"}
 */
public record PlaygroundRequest(RecallRequest recall, List<String> versions) {

    /** What a version may be: serving, base, a number ({@code 2} or {@code v2}), or {@code <adapter>/v2}. */
    public static final Pattern VERSION =
            Pattern.compile("serving|base|v?\\d{1,18}|" + AdapterPublished.ADAPTER_NAME_REGEX + "/v\\d{1,18}");

    private static final Set<String> FIELDS = Set.of("task", "k", "mode", "versions");
    private static final String EXAMPLE = "{\"task\": \"how do I ...\", \"k\": 10, \"versions\": [\"serving\", \"2\"]}";

    public PlaygroundRequest {
        versions = List.copyOf(versions);
        if (versions.size() != 2) {
            throw new BadRequestException("versions", "versions must name exactly two versions, e.g. " + EXAMPLE);
        }
    }

    /** Parses and validates a request body; throws {@link BadRequestException} naming the field. */
    public static PlaygroundRequest parse(String body) {
        ObjectNode root = ApiJson.readObject(body, FIELDS, EXAMPLE);
        JsonNode versions = root.remove("versions");
        if (versions == null || versions.isNull()) {
            throw new BadRequestException("versions", "versions is required, e.g. " + EXAMPLE);
        }
        if (!versions.isArray() || versions.size() != 2) {
            throw new BadRequestException(
                    "versions", "versions must be a list of two versions, e.g. [\"serving\", \"2\"], was " + versions);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode v : versions) {
            if (v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0) {
                names.add(v.asText());
            } else if (v.isTextual() && VERSION.matcher(v.textValue().strip()).matches()) {
                names.add(v.textValue().strip());
            } else {
                throw new BadRequestException(
                        "versions",
                        "each version is 'serving', 'base', a version number or '<adapter>/v<n>', found " + v);
            }
        }
        return new PlaygroundRequest(RecallRequest.parse(root.toString()), names);
    }
}
