package dev.engram.node.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.memory.CaseStore;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.node.ingest.FeedbackDecoder;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.RetrievedCase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * A seeded stream of feedback records for the tests: valid events spread over tenants (later ones
 * judge earlier cases of their tenant), exact duplicates of earlier events, and invalid records of
 * several kinds, each with the field its dead letter must name.
 */
public final class FeedbackStream {

    /** One record to send: key, bytes, and what it is. */
    public record Item(String key, byte[] value, FeedbackEvent event, boolean duplicate, String invalidField) {
        public boolean valid() {
            return invalidField == null;
        }
    }

    private static final String[] WORDS = ("login auth session cache token password reset deploy rollback "
                    + "database index query latency timeout retry queue kafka consumer partition offset lucene "
                    + "vector embedding flutter wing airfoil pressure boundary layer heat transfer shock wave nozzle "
                    + "billing invoice refund customer ticket escalate email calendar schedule meeting report")
            .split(" ");

    private final List<Item> items = new ArrayList<>();
    private final Map<String, FeedbackEvent> distinct = new LinkedHashMap<>();
    private final Set<String> tenants = new LinkedHashSet<>();

    private FeedbackStream() {}

    /**
     * {@code valid} distinct events over {@code tenantCount} tenants named {@code prefix-N}, then
     * {@code duplicates} re-sends and {@code invalid} bad records mixed in at seeded positions.
     */
    public static FeedbackStream generate(
            String prefix, int tenantCount, int valid, int duplicates, int invalid, long seed) {
        FeedbackStream s = new FeedbackStream();
        Random random = new Random(seed);
        Map<String, List<String>> idsByTenant = new LinkedHashMap<>();
        List<Item> validItems = new ArrayList<>();
        for (int i = 0; i < valid; i++) {
            String tenant = prefix + "-" + (i % tenantCount);
            s.tenants.add(tenant);
            List<String> earlier = idsByTenant.computeIfAbsent(tenant, t -> new ArrayList<>());
            List<RetrievedCase> retrieved = new ArrayList<>();
            int judged = earlier.size() < 3 ? 0 : random.nextInt(4);
            Set<String> picked = new LinkedHashSet<>();
            for (int j = 0; j < judged; j++) {
                picked.add(earlier.get(random.nextInt(earlier.size())));
            }
            int rank = 1;
            for (String caseId : picked) {
                int u = random.nextInt(3);
                retrieved.add(new RetrievedCase(caseId, rank++, u == 0 ? Boolean.TRUE : u == 1 ? Boolean.FALSE : null));
            }
            String eventId = tenant + "-e" + i;
            FeedbackEvent event = FeedbackEvent.of(
                    eventId,
                    tenant,
                    "agent-" + random.nextInt(5),
                    Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i),
                    words(random, 6 + random.nextInt(8)),
                    words(random, 5),
                    random.nextBoolean() ? "worked" : "failed",
                    random.nextInt(101) / 100.0,
                    retrieved);
            earlier.add(eventId);
            s.distinct.put(eventId, event);
            validItems.add(new Item(tenant, EventCodec.encode(event), event, false, null));
        }
        List<Item> all = new ArrayList<>(validItems);
        for (int d = 0; d < duplicates; d++) {
            // a re-send goes after its original, so the original is what counts
            int original = random.nextInt(validItems.size());
            Item first = validItems.get(original);
            int at = all.indexOf(first) + 1 + random.nextInt(all.size() - all.indexOf(first));
            all.add(at, new Item(first.key(), first.value(), first.event(), true, null));
        }
        for (int n = 0; n < invalid; n++) {
            Item base = validItems.get(random.nextInt(validItems.size()));
            all.add(random.nextInt(all.size() + 1), invalid(n, base, random));
        }
        s.items.addAll(all);
        return s;
    }

    private static Item invalid(int n, Item base, Random random) {
        ObjectNode json = tree(base.value());
        String key = base.key();
        String id = base.event().eventId() + "-bad" + n;
        json.put("eventId", id);
        String field;
        byte[] bytes;
        switch (n % 8) {
            case 0 -> {
                field = "json";
                bytes = ("{\"eventId\": \"" + id + "\", not json").getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> {
                field = "reward";
                json.put("reward", 1.5);
                bytes = write(json);
            }
            case 2 -> {
                field = "task";
                json.remove("task");
                bytes = write(json);
            }
            case 3 -> {
                field = "tenant";
                json.put("tenant", "Not A Tenant!");
                bytes = write(json);
            }
            case 4 -> {
                field = "schemaVersion";
                json.put("schemaVersion", 99);
                bytes = write(json);
            }
            case 5 -> {
                field = "json";
                bytes = new byte[0];
                key = null;
            }
            case 6 -> {
                field = "retrieved[0].rank";
                ArrayNode retrieved = json.putArray("retrieved");
                retrieved.addObject().put("caseId", "x").put("rank", 0);
                bytes = write(json);
            }
            default -> {
                field = "timestamp";
                json.put("timestamp", "yesterday");
                bytes = write(json);
            }
        }
        return new Item(key, bytes, null, false, field);
    }

    public List<Item> items() {
        return items;
    }

    /** The valid distinct events in first-sent order. */
    public Map<String, FeedbackEvent> distinctEvents() {
        return distinct;
    }

    public Set<String> tenants() {
        return tenants;
    }

    public long invalidCount() {
        return items.stream().filter(i -> !i.valid()).count();
    }

    /** Distinct event ids of a tenant. */
    public Set<String> idsOf(String tenant) {
        Set<String> ids = new LinkedHashSet<>();
        distinct.values().stream().filter(e -> e.tenant().equals(tenant)).forEach(e -> ids.add(e.eventId()));
        return ids;
    }

    /**
     * The store that ingesting each distinct event exactly once, in order, gives: what the node's
     * store must equal however often the stream was replayed.
     */
    public CaseStore referenceStore(Path dir) {
        CaseStore store = LuceneCaseStore.open(dir, CaseStoreConfig.defaults());
        distinct.values().forEach(e -> store.ingest(FeedbackDecoder.toEpisode(e), null));
        store.commit(Map.of());
        return store;
    }

    /** Items in order, mapped (e.g. to producer records). */
    public <T> List<T> map(Function<Item, T> f) {
        return items.stream().map(f).toList();
    }

    private static String words(Random random, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    private static ObjectNode tree(byte[] json) {
        try {
            return (ObjectNode) EventCodec.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] write(ObjectNode json) {
        try {
            return EventCodec.mapper().writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
