package dev.engram.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraInit;
import dev.engram.retriever.tuning.Continuation;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.LoraTrainingConfig.Init;
import dev.engram.streams.TrainingJob;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The wire's {@link LoraTrainingConfig} is derived from the adapter-trainer's {@link LoraConfig}:
 * every field of the one has a counterpart in the other, and a job asking for a variant trains
 * with exactly that variant.
 */
class LoraWireConfigTest {

    /** {@code LoraConfig} components that a job carries outside its config: component → job component. */
    private static final Map<String, String> FROM_THE_JOB = Map.of("baseModelName", "baseModelId");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every field away from its default, so a field the conversion forgets shows up. */
    private static final LoraTrainingConfig VARIANTS = new LoraTrainingConfig(
            16,
            24,
            0.05,
            List.of("query", "key"),
            true,
            true,
            2,
            8,
            2e-4,
            11,
            96,
            Init.OLORA,
            null,
            true,
            16,
            "SEQ_2_SEQ_LM");

    @Test
    void everyLoraConfigComponentHasAWireCounterpart() {
        Set<String> wire = names(LoraTrainingConfig.class);
        Set<String> job = names(TrainingJob.class);
        Set<String> missing = new TreeSet<>();
        for (String name : names(LoraConfig.class)) {
            boolean carried =
                    FROM_THE_JOB.containsKey(name) ? job.contains(FROM_THE_JOB.get(name)) : wire.contains(name);
            if (!carried) {
                missing.add(name);
            }
        }
        assertThat(missing)
                .as("LoraConfig components with no counterpart in streams' LoraTrainingConfig: add them there (with "
                        + "a default for JSON written before them), to the schema in docs/schemas, and to "
                        + "CandidateTrainer.loraConfig")
                .isEmpty();
        assertThat(constants(LoraTrainingConfig.Init.class))
                .as("wire init names vs LoraInit")
                .isEqualTo(constants(LoraInit.class));
        assertThat(constants(LoraTrainingConfig.Continuation.class))
                .as("wire continuation names vs the retriever's Continuation")
                .isEqualTo(constants(Continuation.class));
        assertThat(LoraTrainingConfig.Continuation.DEFAULT.name())
                .as("a job's default strategy is the retriever's")
                .isEqualTo(Continuation.DEFAULT.name());
    }

    @Test
    void aJobTrainsWithTheContinuationItAsksFor() {
        for (LoraTrainingConfig.Continuation wire : LoraTrainingConfig.Continuation.values()) {
            LoraTrainingConfig asked = LoraTrainingConfig.defaults().withContinuation(wire);
            assertThat(CandidateTrainer.tuningConfig(job(asked)).continuation().name())
                    .isEqualTo(wire.name());
        }
        assertThat(CandidateTrainer.tuningConfig(job(LoraTrainingConfig.defaults()))
                        .continuation())
                .isEqualTo(Continuation.DEFAULT);
    }

    @Test
    void theConversionCarriesEveryComponentsValue() {
        LoraConfig lora = CandidateTrainer.loraConfig(job(VARIANTS));
        for (RecordComponent c : LoraConfig.class.getRecordComponents()) {
            Object converted = value(c, lora);
            Object expected = FROM_THE_JOB.containsKey(c.getName())
                    ? value(component(TrainingJob.class, FROM_THE_JOB.get(c.getName())), job(VARIANTS))
                    : value(component(LoraTrainingConfig.class, c.getName()), VARIANTS);
            if (converted instanceof Enum<?> e) {
                converted = e.name();
                expected = ((Enum<?>) expected).name();
            }
            assertThat(converted).as(c.getName()).isEqualTo(expected);
        }
    }

    @Test
    void aJobAskingForTheVariantsRoundTripsThroughJsonIntoAnEqualLoraConfig() {
        Map<LoraTrainingConfig, LoraConfig> asked = new LinkedHashMap<>();
        LoraConfig base = LoraConfig.builder()
                .r(8)
                .alpha(16)
                .dropout(0.1)
                .targetModules(List.of("query", "value"))
                .baseModelName("sentence-transformers/all-MiniLM-L6-v2")
                .build();
        asked.put(
                wire(Init.OLORA, null, false, 1),
                base.toBuilder().init(LoraInit.OLORA).build());
        asked.put(
                wire(Init.GAUSSIAN, null, false, 1),
                base.toBuilder().init(LoraInit.GAUSSIAN).build());
        asked.put(
                wire(Init.DEFAULT, null, true, 1),
                base.toBuilder().freezeA(true).build());
        asked.put(
                wire(Init.DEFAULT, null, false, 16),
                base.toBuilder().loraPlusRatio(16).build());
        asked.put(
                wire(Init.OLORA, "encoder\\.layer\\.[0-5]\\.attention\\.self\\.(query|value)", true, 4),
                base.toBuilder()
                        .init(LoraInit.OLORA)
                        .freezeA(true)
                        .loraPlusRatio(4)
                        .targetModulesRegex("encoder\\.layer\\.[0-5]\\.attention\\.self\\.(query|value)")
                        .build());
        asked.forEach((config, expected) -> {
            TrainingJob back = ContinualCodec.decodeTrainingJob(ContinualCodec.encode(job(config)));
            assertThat(back.config()).isEqualTo(config);
            assertThat(CandidateTrainer.loraConfig(back)).as(config.toString()).isEqualTo(expected);
        });
    }

    @Test
    void aJobWrittenBeforeTheVariantsExistedTrainsPlainLora() throws Exception {
        ObjectNode json = (ObjectNode) JSON.readTree(ContinualCodec.encode(job(LoraTrainingConfig.defaults())));
        ObjectNode config = (ObjectNode) json.get("config");
        config.remove(List.of("init", "targetModulesRegex", "freezeA", "loraPlusRatio", "taskType", "continuation"));
        assertThat(config.size())
                .as("the eleven fields of the first wire config: " + config)
                .isEqualTo(11);

        TrainingJob back = ContinualCodec.decodeTrainingJob(JSON.writeValueAsBytes(json));

        assertThat(back.config())
                .as("and continues as every round did then")
                .isEqualTo(LoraTrainingConfig.defaults().withContinuation(LoraTrainingConfig.Continuation.CONTINUE));
        assertThat(CandidateTrainer.tuningConfig(back).continuation()).isEqualTo(Continuation.CONTINUE);
        assertThat(CandidateTrainer.loraConfig(back))
                .isEqualTo(LoraConfig.builder()
                        .r(8)
                        .alpha(16)
                        .dropout(0.1)
                        .targetModules(List.of("query", "value"))
                        .baseModelName("sentence-transformers/all-MiniLM-L6-v2")
                        .build());
    }

    private static LoraTrainingConfig wire(Init init, String regex, boolean freezeA, double loraPlusRatio) {
        return new LoraTrainingConfig(
                8,
                16,
                0.1,
                regex == null ? List.of("query", "value") : List.of(),
                false,
                false,
                1,
                4,
                1e-3,
                7,
                64,
                init,
                regex,
                freezeA,
                loraPlusRatio,
                LoraTrainingConfig.FEATURE_EXTRACTION);
    }

    private static TrainingJob job(LoraTrainingConfig config) {
        TrainingJob job = TestJobs.job("job-lora-wire", "acme", 2, 1L);
        return new TrainingJob(
                job.schemaVersion(),
                job.jobId(),
                job.tenant(),
                job.adapterName(),
                job.targetVersion(),
                job.baseAdapterVersion(),
                job.baseModelId(),
                job.method(),
                config,
                job.examples(),
                job.heldOut(),
                job.retention(),
                job.createdAt(),
                job.attempt(),
                job.rankerPolicy());
    }

    private static Set<String> names(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents())
                .map(RecordComponent::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> constants(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
    }

    private static RecordComponent component(Class<? extends Record> type, String name) {
        return Arrays.stream(type.getRecordComponents())
                .filter(c -> c.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(type.getSimpleName() + " has no component " + name));
    }

    private static Object value(RecordComponent component, Object record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("could not read " + component.getName(), e);
        }
    }
}
