package dev.engram.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TrainingExample;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingProgress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JSON round trips and validation messages of the continual-loop records (no broker needed). */
class ContinualCodecTest {

    @Test
    void trainingJobRoundTripsWithEveryField() {
        TrainingJob job = ContinualSamples.job("job-1", 5, 40);
        TrainingJob back = ContinualCodec.decodeTrainingJob(ContinualCodec.encode(job));
        assertThat(back).isEqualTo(job);
        String json = new String(ContinualCodec.encode(job), StandardCharsets.UTF_8);
        assertThat(json)
                .contains(
                        "\"method\":\"lora-query-side\"",
                        "\"createdAt\":\"2025-01-31T12:00:00.123456789Z\"",
                        "\"targetVersion\":4",
                        "\"baseAdapterVersion\":3",
                        "\"useRslora\":false",
                        "\"gain\":3.0");
    }

    @Test
    void trainingJobFromTheBaseModelHasANullBaseVersion() {
        TrainingJob job = ContinualSamples.job("job-2", 1, 10);
        TrainingJob fromBase = new TrainingJob(
                1,
                "job-2",
                "acme",
                "acme-retriever",
                1,
                null,
                job.baseModelId(),
                AdapterMethod.LORA_SYMMETRIC,
                job.config(),
                job.examples(),
                job.heldOut(),
                List.of(),
                job.createdAt(),
                1,
                "{\"base\":\"RRF\"}");
        assertThat(ContinualCodec.decodeTrainingJob(ContinualCodec.encode(fromBase)))
                .isEqualTo(fromBase);
        assertThat(fromBase.withAttempt(3).attempt()).isEqualTo(3);
        assertThat(fromBase.withAttempt(3).rankerPolicy())
                .as("the round's ranker policy travels with every attempt")
                .isEqualTo(fromBase.rankerPolicy());
    }

    @Test
    void invalidJobsNameTheFieldByItsJsonPath() {
        String good = new String(ContinualCodec.encode(ContinualSamples.job("job-3", 2, 10)), StandardCharsets.UTF_8);
        assertRejected(good.replace("\"r\":8", "\"r\":0"), "config.r", "must be in [1, 256], was 0");
        assertRejected(good.replace("\"r\":8", "\"r\":\"8\""), "config.r", "");
        assertRejected(
                good.replace("\"positive\":\"case 1 ", "\"positive\":\" "),
                "examples[1].positive",
                "must not be blank");
        assertRejected(
                good.replace("\"method\":\"lora-query-side\"", "\"method\":\"full-finetune\""),
                "method",
                "must be one of [lora-query-side, lora-symmetric, lora-causal-lm, policy-only]");
        assertRejected(
                good.replace("\"method\":\"lora-query-side\"", "\"method\":\"lora-causal-lm\""),
                "method",
                "training jobs train retriever adapters");
        assertRejected(
                good.replace("\"gain\":3.0", "\"gain\":0.0"),
                "heldOut[0].candidates",
                "at least one candidate needs a gain > 0");
        assertRejected(good.replace("\"tenant\":\"acme\"", "\"tenant\":\"ACME\""), "tenant", "must match");
        assertRejected(
                good.replace("\"targetVersion\":4", "\"targetVersion\":3"),
                "targetVersion",
                "must be above baseAdapterVersion 3");
        assertRejected(
                good.replace("\"schemaVersion\":1", "\"schemaVersion\":2"),
                "schemaVersion",
                "newer than this reader understands");
        assertRejected(good.replace("\"jobId\":\"job-3\"", "\"jobId\":\"a/b\""), "jobId", "was 'a/b'");
        assertRejected("{\"schemaVersion\":1", "json", "malformed JSON");
    }

    @Test
    void theLoraVariantsTravelAndAreCheckedByField() {
        TrainingJob sample = ContinualSamples.job("job-4", 2, 10);
        LoraTrainingConfig variants = new LoraTrainingConfig(
                8,
                16,
                0.1,
                List.of(),
                false,
                false,
                1,
                32,
                1e-4,
                1,
                128,
                LoraTrainingConfig.Init.OLORA,
                "encoder\\.layer\\.\\d+\\.attention\\.self\\.(query|value)",
                true,
                16,
                "FEATURE_EXTRACTION");
        TrainingJob job = new TrainingJob(
                1,
                "job-4",
                "acme",
                "acme-retriever",
                4,
                3L,
                sample.baseModelId(),
                sample.method(),
                variants,
                sample.examples(),
                sample.heldOut(),
                List.of(),
                sample.createdAt(),
                1,
                null);
        assertThat(ContinualCodec.decodeTrainingJob(ContinualCodec.encode(job))).isEqualTo(job);
        String good = new String(ContinualCodec.encode(job), StandardCharsets.UTF_8);
        assertThat(good).contains("\"init\":\"olora\"", "\"freezeA\":true", "\"loraPlusRatio\":16.0");

        assertRejected(
                good.replace("\"init\":\"olora\"", "\"init\":\"pissa\""),
                "config.init",
                "must be one of [default, gaussian, olora], was 'pissa'");
        assertRejected(
                good.replace("\"loraPlusRatio\":16.0", "\"loraPlusRatio\":0.5"),
                "config.loraPlusRatio",
                "must be a finite number in [1.0, 1024.0], was 0.5");
        assertRejected(
                good.replace("\"targetModules\":[]", "\"targetModules\":[\"query\"]"),
                "config.targetModulesRegex",
                "must be null when targetModules is set");
        assertRejected(
                good.replace("\"targetModulesRegex\":\"encoder", "\"targetModulesRegex\":\"(encoder"),
                "config.targetModulesRegex",
                "is not a valid regular expression");
        assertRejected(
                good.replace("\"taskType\":\"FEATURE_EXTRACTION\"", "\"taskType\":\"feature\""),
                "config.taskType",
                "a PEFT task type");
        assertRejected(good.replace("\"freezeA\":true", "\"freezeA\":1"), "config.freezeA", "");
        assertRejected(
                good.replace(
                        "\"targetModulesRegex\":\"encoder\\\\.layer\\\\.\\\\d+\\\\.attention\\\\.self\\\\.(query|value)\"",
                        "\"targetModulesRegex\":null"),
                "config.targetModules",
                "needs at least 1 entry, or set targetModulesRegex");
    }

    @Test
    void recordsRejectBadValuesInJavaToo() {
        assertThatThrownBy(() -> new TrainingExample("q", "p", java.util.Collections.nCopies(17, "n")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("hardNegatives: at most 16 entries allowed, had 17");
        assertThatThrownBy(
                        () -> new LoraTrainingConfig(8, 16, 1.0, List.of("query"), false, false, 1, 32, 1e-4, 1, 128))
                .hasMessage("dropout: must be in [0, 1), was 1.0");
        assertThatThrownBy(() -> new AdapterMetrics(0.5, 0.4, 10, null, 0.3, 0, null))
                .hasMessage("parentRetentionNdcg10: must be null when retentionQueries is 0, was 0.3");
        assertThatThrownBy(() -> new HeldOutQuery(
                        "q",
                        "text",
                        List.of(new HeldOutQuery.Candidate("c", "t", 1), new HeldOutQuery.Candidate("c", "u", 0))))
                .hasMessageStartingWith("candidates[1].caseId: duplicate caseId 'c'");
        assertThatThrownBy(() ->
                        ContinualSamples.adapter("acme-retriever", 2, 10, 1).withStatus(AdapterStatus.REJECTED, " "))
                .hasMessageStartingWith("statusReason: is required when status is REJECTED");
        assertThatThrownBy(() -> AdapterControl.pin("acme-retriever", 0, "ana", "", ContinualSamples.AT))
                .hasMessage("version: must be >= 1, was 0");
    }

    @Test
    void adapterRoundTripsInlineAndVerifiesItsChecksum() {
        AdapterPublished adapter = ContinualSamples.adapter("acme-retriever", 3, 2_000, 7);
        assertThat(adapter.payloadSize()).isEqualTo(adapter.files().get(0).size() + 2_000);
        AdapterPublished back = ContinualCodec.decodeAdapterPublished(ContinualCodec.encode(adapter));
        assertThat(back).isEqualTo(adapter);
        assertThat(back.file(AdapterFile.PEFT_WEIGHTS).orElseThrow().bytes())
                .isEqualTo(adapter.file(AdapterFile.PEFT_WEIGHTS).orElseThrow().bytes());
        assertThat(back.key()).isEqualTo("acme-retriever/v3");
        assertThat(back.metrics().heldOutGain()).isCloseTo(0.007, org.assertj.core.data.Offset.offset(1e-9));

        String json = new String(ContinualCodec.encode(adapter), StandardCharsets.UTF_8);
        String wrongSha = json.replace(adapter.payloadSha256(), "0".repeat(64));
        assertRejected(wrongSha, "payloadSha256", "does not match the files");
    }

    @Test
    void adapterNeedsThePeftFilesAndAConsistentSize() {
        assertThatThrownBy(() -> AdapterPublished.of(
                        "acme-retriever",
                        "acme",
                        1,
                        null,
                        "m",
                        AdapterMethod.LORA_QUERY_SIDE,
                        LoraTrainingConfig.defaults(),
                        ContinualSamples.metrics(),
                        AdapterStatus.CANDIDATE,
                        "",
                        "job-1",
                        List.of(new AdapterFile(AdapterFile.PEFT_CONFIG, new byte[1])),
                        ContinualSamples.AT))
                .hasMessageStartingWith("files: must include adapter_model.safetensors");
        AdapterPublished a = ContinualSamples.adapter("acme-retriever", 1, 100, 1);
        assertThatThrownBy(() -> new AdapterPublished(
                        1,
                        a.adapterName(),
                        a.tenant(),
                        1,
                        null,
                        a.baseModelId(),
                        a.method(),
                        a.config(),
                        a.metrics(),
                        a.status(),
                        "",
                        a.jobId(),
                        a.payloadSha256(),
                        a.payloadSize() + 1,
                        a.files(),
                        a.createdAt(),
                        null,
                        null,
                        a.kind(),
                        null))
                .hasMessageStartingWith("payloadSize: says");
    }

    @Test
    void controlsAndProgressRoundTrip() {
        AdapterControl pin = AdapterControl.pin("acme-retriever", 3, "ana", "v4 hurts refunds", ContinualSamples.AT);
        assertThat(ContinualCodec.decodeAdapterControl(ContinualCodec.encode(pin)))
                .isEqualTo(pin);
        assertThat(pin.key()).isEqualTo("acme-retriever/control");
        AdapterControl unpin = AdapterControl.unpin("acme-retriever", "ana", null, ContinualSamples.AT);
        assertThat(ContinualCodec.decodeAdapterControl(ContinualCodec.encode(unpin)))
                .isEqualTo(unpin);

        TrainingProgress progress = TrainingProgress.of(
                ContinualSamples.job("job-4", 1, 10),
                TrainingProgress.Phase.TRAINING,
                40,
                120,
                0.83,
                55.1,
                14.5,
                "",
                ContinualSamples.AT);
        assertThat(ContinualCodec.decodeTrainingProgress(ContinualCodec.encode(progress)))
                .isEqualTo(progress);
        assertThat(progress.fraction()).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
        String json = new String(ContinualCodec.encode(progress), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ContinualCodec.decodeTrainingProgress(
                        json.replace("\"step\":40", "\"step\":400").getBytes(StandardCharsets.UTF_8)))
                .hasMessage("step: must be <= totalSteps 120, was 400");
    }

    @Test
    void extraMetricsMustBeFinite() {
        assertThatThrownBy(() -> new AdapterMetrics(0.5, 0.4, 10, null, null, 0, Map.of("mrr", Double.NaN)))
                .hasMessage("extra.mrr: must be a finite number, was NaN");
    }

    private static void assertRejected(String json, String field, String reasonPart) {
        assertThatThrownBy(() -> {
                    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
                    if (json.contains("\"payloadSha256\"")) {
                        ContinualCodec.decodeAdapterPublished(bytes);
                    } else {
                        ContinualCodec.decodeTrainingJob(bytes);
                    }
                })
                .isInstanceOfSatisfying(InvalidEventException.class, e -> {
                    assertThat(e.field()).as(e.getMessage()).isEqualTo(field);
                    assertThat(e.reason()).contains(reasonPart);
                });
    }
}
