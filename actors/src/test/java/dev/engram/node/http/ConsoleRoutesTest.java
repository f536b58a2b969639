package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.EventCodec;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's routes without a browser: the page and its assets (open, with a content security
 * policy), {@code GET /v1/whoami}, and the {@code GET /v1/events} stream a script can read too.
 */
class ConsoleRoutesTest {

    private static final String T = TestIds.unique("console-routes");
    private static EngramNode node;
    private static String adminKey;
    private static String readerKey;

    @BeforeAll
    static void keys() {
        node = SharedNode.get();
        adminKey = SharedNode.adminKey();
        HttpCalls.Answer created = HttpCalls.as(adminKey)
                .post(
                        node.httpUrl() + "/v1/keys",
                        "{\"principal\": \"routes-reader\", \"role\": \"reader\", \"tenants\": [\"" + T + "\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        readerKey = created.json().path("key").asText();
    }

    @Test
    void thePageAndItsAssetsAreServedToAnyoneWithAPolicyThatAllowsOnlyThisOrigin() {
        HttpCalls.Answer bare = HttpCalls.anonymous().get(node.httpUrl() + "/console");
        assertThat(bare.status()).isEqualTo(308);
        assertThat(bare.header("Location")).hasValue("/console/");

        HttpCalls.Answer page = HttpCalls.anonymous().get(node.httpUrl() + "/console/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body())
                .contains("<script src=\"console.js\"", "id=\"api-key\"")
                .doesNotContain("http://", "https://");
        assertThat(page.header("Content-Security-Policy"))
                .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'self'", "frame-ancestors 'none'"));
        assertThat(page.header("X-Content-Type-Options")).hasValue("nosniff");

        HttpCalls.Answer script = HttpCalls.anonymous().get(node.httpUrl() + "/console/console.js");
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.contentType()).startsWith("application/javascript");
        assertThat(script.body()).contains("Authorization").doesNotContain("innerHTML");
        assertThat(HttpCalls.anonymous()
                        .get(node.httpUrl() + "/console/console.css")
                        .contentType())
                .startsWith("text/css");
        assertThat(HttpCalls.anonymous()
                        .get(node.httpUrl() + "/console/../keys.json")
                        .status())
                .isEqualTo(404);
        assertThat(HttpCalls.anonymous()
                        .get(node.httpUrl() + "/console/secret.txt")
                        .status())
                .isEqualTo(404);
        assertThat(HttpCalls.anonymous()
                        .post(node.httpUrl() + "/console/", "{}")
                        .status())
                .isEqualTo(405);
    }

    @Test
    void whoamiTellsAKeyItsPrincipalRoleTenantsAndWhetherItMayOperate() {
        assertThat(HttpCalls.anonymous().get(node.httpUrl() + "/v1/whoami").status())
                .isEqualTo(401);
        JsonNode reader =
                HttpCalls.as(readerKey).get(node.httpUrl() + "/v1/whoami").json();
        assertThat(reader.path("principal").asText()).isEqualTo("routes-reader");
        assertThat(reader.path("role").asText()).isEqualTo("reader");
        assertThat(reader.path("tenants").toString()).isEqualTo("[\"" + T + "\"]");
        assertThat(reader.path("mayOperate").asBoolean()).isFalse();
        JsonNode admin =
                HttpCalls.as(adminKey).get(node.httpUrl() + "/v1/whoami").json();
        assertThat(admin.path("role").asText()).isEqualTo("admin");
        assertThat(admin.path("mayOperate").asBoolean()).isTrue();
    }

    @Test
    void theEventStreamPushesOverviewsToAKeyAndRefusesWithoutOne() throws Exception {
        assertThat(HttpCalls.anonymous().get(node.httpUrl() + "/v1/events").status())
                .isEqualTo(401);

        List<JsonNode> overviews = firstOverviews(readerKey, 2);
        JsonNode first = overviews.get(0);
        assertThat(first.path("health").path("status").asText()).isEqualTo("UP");
        assertThat(first.path("health").path("assignedPartitions").size()).isPositive();
        assertThat(first.path("health").path("servingVersions").size())
                .as("a reader of one new tenant sees no other tenant's serving version")
                .isZero();
        assertThat(first.has("consumerLag")).isTrue();
        assertThat(first.path("partitionLag").isObject()).isTrue();
        java.util.List<String> partitions = new java.util.ArrayList<>();
        first.path("partitionLag").fieldNames().forEachRemaining(partitions::add);
        java.util.List<String> peaked = new java.util.ArrayList<>();
        first.path("partitionLagPeak").fieldNames().forEachRemaining(peaked::add);
        assertThat(peaked).as("a peak for each partition measured").isEqualTo(partitions);
        partitions.forEach(p -> assertThat(
                        first.path("partitionLagPeak").path(p).asLong())
                .as("the peak of " + p + " is at least its latest lag")
                .isGreaterThanOrEqualTo(first.path("partitionLag").path(p).asLong()));
        assertThat(overviews.get(1).path("time").asText())
                .isGreaterThan(first.path("time").asText());
    }

    /**
     * Reads {@code n} "overview" events from {@code /v1/events}, as a script would (bounded), and
     * checks that a "training" event came with each but the last.
     */
    private static List<JsonNode> firstOverviews(String key, int n) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/events"))
                .header("Authorization", "Bearer " + key)
                .header("Accept", "text/event-stream")
                .build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        try (InputStream body = response.body()) {
            java.util.concurrent.atomic.AtomicInteger trainingEvents = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<List<JsonNode>> read = CompletableFuture.supplyAsync(() -> {
                List<JsonNode> events = new ArrayList<>();
                try {
                    BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
                    // an event is its lines up to a blank one; Pekko writes "data:" before "event:"
                    String type = null;
                    String data = null;
                    for (String line = lines.readLine(); line != null && events.size() < n; line = lines.readLine()) {
                        if (line.startsWith("event:")) {
                            type = line.substring(6).strip();
                        } else if (line.startsWith("data:")) {
                            data = line.substring(5).strip();
                        } else if (line.isEmpty() && data != null) {
                            assertThat(type).isIn("overview", "training");
                            JsonNode event = EventCodec.mapper().readTree(data);
                            if (type.equals("overview")) {
                                events.add(event);
                            } else {
                                assertThat(event.path("jobs").isArray()).isTrue();
                                assertThat(event.path("jobs"))
                                        .as("a reader of one new tenant sees no other tenant's jobs")
                                        .isEmpty();
                                trainingEvents.incrementAndGet();
                            }
                            type = null;
                            data = null;
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return events;
            });
            List<JsonNode> events =
                    read.get(ConsoleRoutes.OVERVIEW_INTERVAL.multipliedBy(n + 5).toSeconds(), TimeUnit.SECONDS);
            assertThat(events).hasSize(n);
            assertThat(trainingEvents.get())
                    .as("training events between the overviews")
                    .isGreaterThanOrEqualTo(n - 1);
            return events;
        }
    }
}
