package dev.engram.streams;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The JSON Schemas in {@code docs/schemas} (the contract a producer in any language reads) and
 * Engram's own decoders agree on every example under {@code schema-examples/<event>/valid} and
 * {@code .../invalid}, so the two cannot drift apart: a rule added to a record's constructor needs
 * an invalid example, which fails here until the schema says the same (or, when JSON Schema cannot
 * express it, until the rule is listed below and in the schema's description).
 */
class WireSchemaTest {

    /** The schemas, found from the module's directory as the brief of the wire contract says. */
    private static final Path SCHEMAS =
            Path.of("..", "docs", "schemas").toAbsolutePath().normalize();

    private static final String SCHEMA_BASE = "https://engram.dev/schemas/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One event on the wire: the name of its schema and examples, its record, how Engram reads and writes it. */
    private record Event(
            String name,
            Class<? extends Record> type,
            Function<byte[], Object> decode,
            Function<Object, byte[]> encode) {}

    private static final List<Event> EVENTS = List.of(
            new Event(
                    "feedback-event",
                    FeedbackEvent.class,
                    EventCodec::decodeFeedback,
                    e -> EventCodec.encode((FeedbackEvent) e)),
            new Event(
                    "dead-letter",
                    DeadLetter.class,
                    EventCodec::decodeDeadLetter,
                    e -> EventCodec.encode((DeadLetter) e)),
            new Event(
                    "training-job",
                    TrainingJob.class,
                    ContinualCodec::decodeTrainingJob,
                    e -> ContinualCodec.encode((TrainingJob) e)),
            new Event(
                    "agent-model-job",
                    AgentModelJob.class,
                    ContinualCodec::decodeAgentModelJob,
                    e -> ContinualCodec.encode((AgentModelJob) e)),
            new Event(
                    "adapter-published",
                    AdapterPublished.class,
                    ContinualCodec::decodeAdapterPublished,
                    e -> ContinualCodec.encode((AdapterPublished) e)),
            new Event(
                    "adapter-control",
                    AdapterControl.class,
                    ContinualCodec::decodeAdapterControl,
                    e -> ContinualCodec.encode((AdapterControl) e)),
            new Event(
                    "training-progress",
                    TrainingProgress.class,
                    ContinualCodec::decodeTrainingProgress,
                    e -> ContinualCodec.encode((TrainingProgress) e)),
            new Event(
                    "case-vector",
                    CaseVector.class,
                    ContinualCodec::decodeCaseVector,
                    e -> ContinualCodec.encode((CaseVector) e)));

    /**
     * Invalid examples whose rule JSON Schema cannot express, with the words of the schema's
     * description that name the rule. The schema side skips them: it is asserted to accept them (so
     * an entry goes once a schema learns to express its rule); the decoder must still reject them.
     */
    private static final Map<String, String> BEYOND_THE_SCHEMA = Map.ofEntries(
            entry("feedback-event/invalid/duplicate-case-id.json", "No caseId may appear twice in retrieved"),
            entry("feedback-event/invalid/over-256-kib.json", "at most 262,144 bytes"),
            entry("feedback-event/invalid/schema-version-as-decimal.json", "Integers must be written as integers"),
            entry("feedback-event/invalid/event-id-over-128-utf16-units.json", "Text lengths count UTF-16 code units"),
            entry("training-job/invalid/target-not-above-base.json", "targetVersion must be above baseAdapterVersion"),
            entry(
                    "training-job/invalid/duplicate-candidate.json",
                    "No caseId may appear twice among one held-out query's"),
            entry("training-job/invalid/config-r-as-decimal.json", "Integers must be written as integers"),
            entry(
                    "agent-model-job/invalid/target-not-above-base.json",
                    "targetVersion must be above baseAdapterVersion"),
            entry(
                    "agent-model-job/invalid/episode-of-another-tenant.json",
                    "Every episode's tenant must be the job's tenant"),
            entry("agent-model-job/invalid/episode-twice.json", "no eventId may appear twice among the episodes"),
            entry("adapter-published/invalid/payload-sha256-does-not-match.json", "payloadSha256 must be the SHA-256"),
            entry("adapter-published/invalid/payload-size-does-not-match.json", "payloadSize their total length"),
            entry("adapter-published/invalid/duplicate-file-names.json", "No file name may appear twice"),
            entry("adapter-published/invalid/parent-not-below-version.json", "parentVersion must be below version"),
            entry("training-progress/invalid/step-above-total.json", "step must be at most totalSteps"),
            entry("training-progress/invalid/loss-overflows-a-double.json", "Numbers must be finite"),
            entry("case-vector/invalid/vector-length-not-dimension.json", "exactly 4 * dimension bytes"),
            entry("case-vector/invalid/vector-with-nan.json", "must be finite (no NaN or infinity)"),
            entry("case-vector/invalid/dimension-as-decimal.json", "Integers must be written as integers"));

    /** Where each record is described: schema file and JSON pointer to its object schema. */
    private static final Map<Class<? extends Record>, String> SHAPES = Map.ofEntries(
            entry(FeedbackEvent.class, "feedback-event.schema.json#"),
            entry(RetrievedCase.class, "feedback-event.schema.json#/$defs/retrievedCase"),
            entry(DeadLetter.class, "dead-letter.schema.json#"),
            entry(TrainingJob.class, "training-job.schema.json#"),
            entry(TrainingExample.class, "training-job.schema.json#/$defs/trainingExample"),
            entry(HeldOutQuery.class, "training-job.schema.json#/$defs/heldOutQuery"),
            entry(HeldOutQuery.Candidate.class, "training-job.schema.json#/$defs/candidate"),
            entry(AgentModelJob.class, "agent-model-job.schema.json#"),
            entry(AgentModelJob.CaseText.class, "agent-model-job.schema.json#/$defs/caseText"),
            entry(LoraTrainingConfig.class, "lora-training-config.schema.json#"),
            entry(AdapterPublished.class, "adapter-published.schema.json#"),
            entry(AdapterMetrics.class, "adapter-published.schema.json#/$defs/metrics"),
            entry(PlanLossMetrics.class, "adapter-published.schema.json#/$defs/planLoss"),
            entry(AdapterFile.class, "adapter-published.schema.json#/$defs/file"),
            entry(AdapterControl.class, "adapter-control.schema.json#"),
            entry(TrainingProgress.class, "training-progress.schema.json#"),
            entry(CaseVector.class, "case-vector.schema.json#"));

    private static final SchemaRegistry REGISTRY = registry();

    @TestFactory
    Stream<DynamicTest> theSchemaAndTheDecoderAgreeOnEveryExample() {
        return EVENTS.stream()
                .flatMap(event -> examples(event).stream()
                        .map(example -> DynamicTest.dynamicTest(relative(example), () -> {
                            String name = relative(example);
                            boolean valid = name.contains("/valid/");
                            byte[] bytes = Files.readAllBytes(example);
                            List<Error> errors = schema(event).validate(JSON.readTree(bytes));
                            Throwable decoded = decodeFailure(event, bytes);
                            if (valid) {
                                assertThat(errors)
                                        .as(name + ": schema errors for a valid example")
                                        .isEmpty();
                                assertThat(decoded)
                                        .as(name + ": the decoder rejected a valid example")
                                        .isNull();
                            } else if (BEYOND_THE_SCHEMA.containsKey(name)) {
                                assertThat(errors)
                                        .as(
                                                name
                                                        + ": the schema now expresses this rule; drop it from BEYOND_THE_SCHEMA")
                                        .isEmpty();
                                assertThat(decoded)
                                        .as(name + ": the decoder accepted an invalid example")
                                        .isInstanceOf(InvalidEventException.class);
                            } else {
                                assertThat(errors)
                                        .as(name + ": the schema accepted an invalid example")
                                        .isNotEmpty();
                                assertThat(decoded)
                                        .as(name + ": the decoder accepted an invalid example (the schema says "
                                                + errors + ")")
                                        .isInstanceOf(InvalidEventException.class);
                            }
                        })));
    }

    @TestFactory
    Stream<DynamicTest> whatEngramWritesFitsTheSchema() {
        return EVENTS.stream()
                .flatMap(event -> examples(event).stream()
                        .filter(example -> relative(example).contains("/valid/"))
                        .map(example -> DynamicTest.dynamicTest(relative(example) + " re-encoded", () -> {
                            Object decoded = event.decode().apply(Files.readAllBytes(example));
                            byte[] written = event.encode().apply(decoded);
                            assertThat(schema(event).validate(JSON.readTree(written)))
                                    .as(new String(written, "UTF-8"))
                                    .isEmpty();
                            assertThat(event.decode().apply(written)).isEqualTo(decoded);
                        })));
    }

    @Test
    void everyEventHasASchemaAndValidAndInvalidExamples() throws IOException {
        for (Event event : EVENTS) {
            assertThat(SCHEMAS.resolve(event.name() + ".schema.json"))
                    .as(event.name())
                    .isRegularFile();
            List<String> names =
                    examples(event).stream().map(WireSchemaTest::relative).toList();
            assertThat(names).as(event.name() + " valid examples").anyMatch(n -> n.contains("/valid/"));
            assertThat(names).as(event.name() + " invalid examples").anyMatch(n -> n.contains("/invalid/"));
        }
        long feedbackInvalid = examples(EVENTS.get(0)).stream()
                .filter(p -> relative(p).contains("/invalid/"))
                .count();
        assertThat(feedbackInvalid)
                .as("invalid feedback examples, one per rule at least")
                .isGreaterThanOrEqualTo(8);
        try (Stream<Path> files = Files.list(SCHEMAS)) {
            Set<String> schemaFiles =
                    files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
            Set<String> described = SHAPES.values().stream()
                    .map(s -> s.substring(0, s.indexOf('#')))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(schemaFiles).as("every schema describes a record").isEqualTo(described);
        }
    }

    @Test
    void everyRuleBeyondTheSchemaHasItsExampleAndIsNamedInTheSchemasDescription() {
        BEYOND_THE_SCHEMA.forEach((example, words) -> {
            assertThat(examplesRoot().resolve(example)).as(example).isRegularFile();
            String event = example.substring(0, example.indexOf('/'));
            assertThat(schemaNode(event + ".schema.json").path("description").asText())
                    .as(event + " description")
                    .contains(words);
        });
    }

    @Test
    void theSchemasDescribeEveryRecordComponentAndNothingElse() {
        SHAPES.forEach((type, where) -> {
            String file = where.substring(0, where.indexOf('#'));
            JsonNode shape = schemaNode(file).at(where.substring(where.indexOf('#') + 1));
            Set<String> described = new TreeSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it =
                            shape.path("properties").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> property = it.next();
                if (!property.getValue().isBoolean() || property.getValue().booleanValue()) {
                    described.add(property.getKey()); // a property whose schema is false is one that must not be there
                }
            }
            Set<String> components = Arrays.stream(type.getRecordComponents())
                    .map(RecordComponent::getName)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(described).as(type.getSimpleName() + " in " + where).isEqualTo(components);
        });
    }

    @Test
    void everySchemaIsAValidDraft202012Schema() {
        Schema meta = REGISTRY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        for (String file : SHAPES.values().stream()
                .map(s -> s.substring(0, s.indexOf('#')))
                .distinct()
                .toList()) {
            JsonNode schema = schemaNode(file);
            assertThat(meta.validate(schema)).as(file).isEmpty();
            assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
            assertThat(schema.path("$id").asText()).isEqualTo(SCHEMA_BASE + file);
        }
    }

    @Test
    void theSkipListIsNotASilentPass() {
        // A beyond-the-schema example must still fail the decoder: otherwise the skip would hide a rule nobody checks.
        Event feedback = EVENTS.get(0);
        assertThatThrownBy(() -> feedback.decode()
                        .apply(read(examplesRoot().resolve("feedback-event/invalid/duplicate-case-id.json"))))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("duplicate caseId");
    }

    private static Throwable decodeFailure(Event event, byte[] bytes) {
        try {
            event.decode().apply(bytes);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static Schema schema(Event event) {
        return REGISTRY.getSchema(SchemaLocation.of(SCHEMA_BASE + event.name() + ".schema.json"));
    }

    private static JsonNode schemaNode(String file) {
        try {
            return JSON.readTree(SCHEMAS.resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every schema in {@code docs/schemas} under its {@code $id}, so that {@code $ref}s between them
     * resolve without a network. Formats are assertions (as a producer's validator may make them),
     * and 1.0 is an integer, as JSON Schema says.
     */
    private static SchemaRegistry registry() {
        Map<String, String> byId = new HashMap<>();
        try (Stream<Path> files = Files.list(SCHEMAS)) {
            for (Path file :
                    files.filter(p -> p.toString().endsWith(".schema.json")).toList()) {
                String text = Files.readString(file);
                byId.put(JSON.readTree(text).path("$id").asText(), text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the schemas in " + SCHEMAS, e);
        }
        SchemaRegistryConfig config = SchemaRegistryConfig.builder()
                .formatAssertionsEnabled(true)
                .losslessNarrowing(true)
                .build();
        return SchemaRegistry.withDefaultDialect(
                SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(config).schemas(byId));
    }

    private static List<Path> examples(Event event) {
        List<Path> found = new ArrayList<>();
        for (String kind : List.of("valid", "invalid")) {
            Path dir = examplesRoot().resolve(event.name()).resolve(kind);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(p -> p.toString().endsWith(".json")).sorted().forEach(found::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return found;
    }

    private static Path examplesRoot() {
        try {
            return Path.of(WireSchemaTest.class.getResource("/schema-examples").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String relative(Path example) {
        return examplesRoot().relativize(example).toString().replace('\\', '/');
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
