package dev.engram.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.memory.RecallMode;
import dev.engram.memory.RecallQuery;
import dev.engram.streams.EventLimits;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /v1/tenants/{tenant}/recall}: {@code {"task": "...", "k": 10}}, optionally
 * with {@code "mode": "hybrid" | "bm25" | "dense"}.
 *
 * @param task the task to recall cases for; required, not blank, at most {@value #MAX_TASK_CHARS}
 *     characters and {@value #MAX_TASK_WORDS} words
 * @param k how many cases, in [1, {@value RecallQuery#MAX_K}]; {@value #DEFAULT_K} when absent
 * @param mode how to rank ({@link RecallMode}); {@code null} when absent: the node's default (hybrid
 *     with an embedder, else bm25)
 */
public record RecallRequest(String task, int k, RecallMode mode) {

    /** {@code k} when the request has none. */
    public static final int DEFAULT_K = 10;
    /** Longest task text accepted: the event contract's limit. */
    public static final int MAX_TASK_CHARS = EventLimits.MAX_TASK_CHARS;
    /**
     * Most words a task may have ({@link TaskWords} counts them as BM25 could see them); a longer task
     * is refused with 400, not truncated, so a caller never gets cases for a task it did not send.
     */
    public static final int MAX_TASK_WORDS = TaskWords.MAX;
    /** The tenant rule of the event contract. */
    public static final Pattern TENANT = EventLimits.TENANT_PATTERN;

    private static final Set<String> FIELDS = Set.of("task", "k", "mode");
    private static final String EXAMPLE = "{\"task\": \"how do I ...\", \"k\": 10}";

    public RecallRequest {
        if (task == null || task.isBlank()) {
            throw new BadRequestException("task", "task is required and must not be blank, e.g. " + EXAMPLE);
        }
        if (task.length() > MAX_TASK_CHARS) {
            throw new BadRequestException(
                    "task", "task must be at most " + MAX_TASK_CHARS + " characters, was " + task.length());
        }
        int words = TaskWords.count(task);
        if (words > MAX_TASK_WORDS) {
            throw new BadRequestException(
                    "task",
                    "task has " + words + " words; recall searches at most "
                            + MAX_TASK_WORDS
                            + " (each word is one clause of the BM25 query, and Lucene allows 1,024): send "
                            + "a shorter task, e.g. its first " + MAX_TASK_WORDS + " words");
        }
        if (k < 1 || k > RecallQuery.MAX_K) {
            throw new BadRequestException("k", "k must be an integer in [1, " + RecallQuery.MAX_K + "], was " + k);
        }
    }

    /** Parses and validates a request body; throws {@link BadRequestException} naming the field. */
    public static RecallRequest parse(String body) {
        if (body == null || body.isBlank()) {
            throw new BadRequestException(null, "request body is empty: send a JSON object like " + EXAMPLE);
        }
        JsonNode root;
        try {
            root = ApiJson.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            String twice = ApiJson.duplicateKey(e).orElse(null);
            if (twice != null) {
                throw new BadRequestException(
                        twice, "field '" + twice + "' appears twice in the request body; send it " + "once");
            }
            throw new BadRequestException(
                    null,
                    "request body is not valid JSON (" + e.getOriginalMessage() + "): send a JSON object like "
                            + EXAMPLE);
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException(null, "request body must be a JSON object like " + EXAMPLE);
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new BadRequestException(
                        name, "unknown field '" + name + "': a recall request has only " + "'task', 'k' and 'mode'");
            }
        }
        JsonNode task = root.get("task");
        if (task == null || task.isNull()) {
            throw new BadRequestException("task", "task is required, e.g. " + EXAMPLE);
        }
        if (!task.isTextual()) {
            throw new BadRequestException(
                    "task",
                    "task must be a string, was " + task.getNodeType().name().toLowerCase());
        }
        JsonNode k = root.get("k");
        int kValue = DEFAULT_K;
        if (k != null && !k.isNull()) {
            if (!k.isIntegralNumber() || !k.canConvertToInt()) {
                throw new BadRequestException("k", "k must be an integer in [1, " + RecallQuery.MAX_K + "], was " + k);
            }
            kValue = k.intValue();
        }
        JsonNode mode = root.get("mode");
        RecallMode modeValue = null;
        if (mode != null && !mode.isNull()) {
            if (!mode.isTextual()) {
                throw new BadRequestException("mode", "mode must be a string (hybrid, bm25 or dense), was " + mode);
            }
            try {
                modeValue = RecallMode.parse(mode.textValue());
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("mode", e.getMessage());
            }
        }
        return new RecallRequest(task.textValue(), kValue, modeValue);
    }

    /** Validates a tenant path segment; throws {@link BadRequestException} for field {@code tenant}. */
    public static String tenant(String tenant) {
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            throw new BadRequestException(
                    "tenant",
                    "tenant '" + tenant + "' must match " + TENANT.pattern()
                            + " (lower-case letters, digits, '_' and '-', at most 64)");
        }
        return tenant;
    }
}
