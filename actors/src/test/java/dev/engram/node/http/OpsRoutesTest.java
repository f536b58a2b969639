package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.node.testing.TrainingRecords;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingProgress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dead letters and the training jobs on a running node's API, fed through the real broker:
 * invalid feedback lands on the dead-letter topic and is listed with its reason, coordinates,
 * tenant and payload, filtered; a job sent and reported on by a worker is listed queued, running
 * with its loss curve, and done; each key sees only its tenants'.
 */
class OpsRoutesTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final String T = TestIds.unique("ops");
    private static final String OTHER = TestIds.unique("ops-other");
    private static EngramNode node;
    private static HttpCalls.Client admin;
    private static HttpCalls.Client readerOfOther;
    private static RecordMetadata badReward;
    private static RecordMetadata notJson;

    @BeforeAll
    static void invalidFeedbackOfTenantT() {
        node = SharedNode.get();
        admin = HttpCalls.as(SharedNode.adminKey());
        HttpCalls.Answer created = admin.post(
                node.httpUrl() + "/v1/keys",
                "{\"principal\": \"ops-reader\", \"role\": \"reader\", \"tenants\": [\"" + OTHER + "\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        readerOfOther = HttpCalls.as(created.json().path("key").asText());

        String reward7 = "{\"schemaVersion\": 1, \"eventId\": \"" + T + "-bad\", \"tenant\": \"" + T
                + "\", \"agentId\": \"bot\", "
                + "\"timestamp\": \"2026-03-01T09:00:00Z\", \"task\": \"refund twice\", \"reward\": 7.0}";
        Produced produced = Produced.send(
                SharedKafka.bootstrapServers(),
                List.of(
                        new FeedbackStream.Item(T, reward7.getBytes(StandardCharsets.UTF_8), null, false, "reward"),
                        new FeedbackStream.Item(T, new byte[] {(byte) 0xff, 0x00, 0x41}, null, false, "json")));
        badReward = produced.metadata().get(0);
        notJson = produced.metadata().get(1);
    }

    private static JsonNode letters(HttpCalls.Client as, String query) {
        HttpCalls.Answer answer = as.get(node.httpUrl() + "/v1/dead-letters" + query);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json();
    }

    @Test
    void deadLettersAreListedWithReasonCoordinatesTenantAndPayloadAndFiltered() {
        Await.until(
                "both records of tenant " + T + " to be dead-lettered",
                BOUND,
                () -> letters(admin, "?tenant=" + T).path("deadLetters").size() == 2);
        JsonNode page = letters(admin, "?tenant=" + T);
        assertThat(page.path("total").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(page.path("scanned").asLong()).isGreaterThanOrEqualTo(2);
        JsonNode newest = page.path("deadLetters").get(0);
        JsonNode older = page.path("deadLetters").get(1);
        assertThat(newest.path("sourceOffset").asLong()).as("newest first").isEqualTo(notJson.offset());
        assertThat(newest.path("sourceTopic").asText()).isEqualTo("engram.feedback");
        assertThat(newest.path("sourcePartition").asInt()).isEqualTo(notJson.partition());
        assertThat(newest.path("tenant").asText()).as("from the record key").isEqualTo(T);
        assertThat(newest.path("payloadEncoding").asText()).isEqualTo("base64");
        assertThat(newest.path("payload").asText()).isEqualTo("/wBB");
        assertThat(newest.path("payloadBytes").asInt()).isEqualTo(3);

        assertThat(older.path("sourcePartition").asInt()).isEqualTo(badReward.partition());
        assertThat(older.path("sourceOffset").asLong()).isEqualTo(badReward.offset());
        assertThat(older.path("reason").asText()).contains("reward");
        assertThat(older.path("payloadEncoding").asText()).isEqualTo("utf-8");
        assertThat(older.path("payload").asText()).contains("\"reward\": 7.0");
        assertThat(older.path("payloadCut").asBoolean()).isFalse();
        assertThat(older.path("key").asText()).isEqualTo(T);
        assertThat(older.path("offset").asLong())
                .isLessThan(newest.path("offset").asLong());

        JsonNode byReason = letters(admin, "?tenant=" + T + "&reason=REWARD");
        assertThat(byReason.path("deadLetters")).hasSize(1);
        assertThat(byReason.path("deadLetters").get(0).path("sourceOffset").asLong())
                .isEqualTo(badReward.offset());
        assertThat(letters(admin, "?tenant=" + T + "&limit=1").path("deadLetters"))
                .hasSize(1);
    }

    @Test
    void aKeySeesOnlyItsTenantsDeadLettersAndBadQueriesAreRefused() {
        Await.until(
                "the dead letters of " + T,
                BOUND,
                () -> letters(admin, "?tenant=" + T).path("deadLetters").size() == 2);
        List<String> tenants = new ArrayList<>();
        letters(readerOfOther, "?limit=1000")
                .path("deadLetters")
                .forEach(l -> tenants.add(l.path("tenant").asText()));
        assertThat(tenants).doesNotContain(T).allMatch(OTHER::equals);
        HttpCalls.Answer forbidden = readerOfOther.get(node.httpUrl() + "/v1/dead-letters?tenant=" + T);
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.json().path("field").asText()).isEqualTo("tenant");
        HttpCalls.Answer badLimit = admin.get(node.httpUrl() + "/v1/dead-letters?limit=0");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.json().path("field").asText()).isEqualTo("limit");
        assertThat(HttpCalls.anonymous()
                        .get(node.httpUrl() + "/v1/dead-letters")
                        .status())
                .isEqualTo(401);
        assertThat(admin.post(node.httpUrl() + "/v1/dead-letters", "{}").status())
                .isEqualTo(405);
    }

    @Test
    void aJobIsQueuedThenRunningWithItsLossCurveThenDone() {
        Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
        TrainingJob queued = TrainingRecords.job(T + "-queued", T, 1, t0);
        TrainingJob trained = TrainingRecords.job(T + "-trained", T, 2, t0.plusSeconds(60));
        TrainingJob failed = TrainingRecords.job(T + "-failed", T, 3, t0.plusSeconds(120));
        try (TrainingRecords records = new TrainingRecords()) {
            records.send(queued);
            records.send(trained);
            records.send(failed);
            Await.until(
                    "three queued jobs of " + T,
                    BOUND,
                    () -> jobs(admin, "?tenant=" + T + "&state=queued").size() == 3);
            JsonNode listed = jobs(admin, "?tenant=" + T);
            assertThat(listed)
                    .extracting(j -> j.path("jobId").asText())
                    .as("newest first")
                    .containsExactly(failed.jobId(), trained.jobId(), queued.jobId());
            JsonNode first = listed.get(2);
            assertThat(first.path("adapterName").asText()).isEqualTo(T + "-retriever");
            assertThat(first.path("targetVersion").asLong()).isEqualTo(1);
            assertThat(first.path("examples").asInt()).isEqualTo(2);
            assertThat(first.path("heldOut").asInt()).isEqualTo(1);
            assertThat(first.path("phase").isNull()).isTrue();

            records.report(TrainingProgress.of(
                    trained, TrainingProgress.Phase.STARTING, 0, 0, null, 0, null, "on cpu", t0.plusSeconds(61)));
            records.step(trained, 2, 8, 1.20, t0.plusSeconds(62));
            records.step(trained, 4, 8, 0.90, t0.plusSeconds(63));
            Await.until(
                    "the job to be running at step 4",
                    BOUND,
                    () -> job(admin, trained.jobId()).path("step").asLong() == 4);
            JsonNode running = job(admin, trained.jobId());
            assertThat(running.path("state").asText()).isEqualTo("RUNNING");
            assertThat(running.path("fraction").asDouble()).isEqualTo(0.5);
            assertThat(running.path("loss").asDouble()).isEqualTo(0.90);
            assertThat(running.path("lossCurve"))
                    .extracting(
                            p -> p.path("step").asLong() + ":" + p.path("loss").asDouble())
                    .containsExactly("2:1.2", "4:0.9");
            assertThat(jobs(admin, "?tenant=" + T + "&state=running"))
                    .extracting(j -> j.path("jobId").asText())
                    .containsExactly(trained.jobId());

            records.step(trained, 8, 8, 0.55, t0.plusSeconds(64));
            records.report(TrainingProgress.of(
                    trained, TrainingProgress.Phase.DONE, 8, 8, 0.55, 40, 0.0, "published v2", t0.plusSeconds(65)));
            records.report(TrainingProgress.of(
                    failed, TrainingProgress.Phase.FAILED, 0, 0, null, 0, null, "out of memory", t0.plusSeconds(121)));
            Await.until(
                    "the job to be done",
                    BOUND,
                    () -> job(admin, trained.jobId()).path("state").asText().equals("DONE"));
            Await.until(
                    "the other to have failed",
                    BOUND,
                    () -> job(admin, failed.jobId()).path("state").asText().equals("FAILED"));
            assertThat(job(admin, trained.jobId()).path("lossCurve")).hasSize(3);
            assertThat(job(admin, failed.jobId()).path("detail").asText()).isEqualTo("out of memory");
            assertThat(jobs(admin, "?tenant=" + T + "&state=queued"))
                    .extracting(j -> j.path("jobId").asText())
                    .containsExactly(queued.jobId());
        }
        assertThat(jobs(readerOfOther, ""))
                .extracting(j -> j.path("tenant").asText())
                .doesNotContain(T);
        assertThat(readerOfOther
                        .get(node.httpUrl() + "/v1/training/jobs/" + queued.jobId())
                        .status())
                .isEqualTo(403);
        HttpCalls.Answer unknown = admin.get(node.httpUrl() + "/v1/training/jobs/" + T + "-never-sent");
        assertThat(unknown.status()).isEqualTo(404);
        HttpCalls.Answer badState = admin.get(node.httpUrl() + "/v1/training/jobs?state=sleeping");
        assertThat(badState.status()).isEqualTo(400);
        assertThat(badState.json().path("error").asText()).contains("queued, running, done, failed");
    }

    private static JsonNode jobs(HttpCalls.Client as, String query) {
        HttpCalls.Answer answer = as.get(node.httpUrl() + "/v1/training/jobs" + query);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().path("jobs");
    }

    private static JsonNode job(HttpCalls.Client as, String jobId) {
        HttpCalls.Answer answer = as.get(node.httpUrl() + "/v1/training/jobs/" + jobId);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json();
    }
}
