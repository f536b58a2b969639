package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.auth.ApiKeys;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.node.testing.TestWorker;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may call what on a running node: every route without a key, with a wrong key, with a key of
 * the wrong role and of the wrong tenant, and with the right key; the keys file; the audit log.
 */
class HttpAuthTest {

    private static final String A = TestIds.unique("auth-a");
    private static final String B = TestIds.unique("auth-b");
    private static final String ADAPTER = A + "-retriever";
    private static final String WRONG_KEY = "egk_000000000000_" + "x".repeat(43);

    private static EngramNode node;
    private static String adminKey;
    private static HttpCalls.Client admin;
    private static HttpCalls.Client readerA;
    private static HttpCalls.Client writerA;
    private static HttpCalls.Client operatorA;
    private static HttpCalls.Client operatorB;
    private static HttpCalls.Client adminOfA;
    private static final List<String> SECRETS = new ArrayList<>();

    @BeforeAll
    static void keysAndAnAdapterOfTenantA() throws Exception {
        node = SharedNode.get();
        adminKey = SharedNode.adminKey();
        SECRETS.add(adminKey);
        admin = HttpCalls.as(adminKey);
        readerA = HttpCalls.as(createKey("reader-a", "reader", A));
        writerA = HttpCalls.as(createKey("writer-a", "writer", A));
        operatorA = HttpCalls.as(createKey("op-a", "operator", A));
        operatorB = HttpCalls.as(createKey("op-b", "operator", B));
        adminOfA = HttpCalls.as(createKey("admin-a", "admin", A));
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers())) {
            AdapterPublisher.over(producer)
                    .publish(TestWorker.sign(AdapterPublished.of(
                            ADAPTER,
                            A,
                            1,
                            null,
                            "test-model",
                            AdapterMethod.LORA_QUERY_SIDE,
                            LoraTrainingConfig.defaults(),
                            new AdapterMetrics(0.41, 0.40, 40, 0.39, 0.39, 20, Map.of()),
                            AdapterStatus.CANDIDATE,
                            "",
                            "job-" + ADAPTER,
                            List.of(
                                    new AdapterFile(AdapterFile.PEFT_CONFIG, "{}".getBytes(StandardCharsets.UTF_8)),
                                    new AdapterFile(AdapterFile.PEFT_WEIGHTS, new byte[8])),
                            Instant.parse("2026-01-01T00:00:00Z"))));
        }
        Await.until(
                "the node to list tenant A's adapter",
                Duration.ofSeconds(60),
                () -> node.adapters().adapter(ADAPTER) != null);
    }

    private static String createKey(String principal, String role, String tenant) {
        HttpCalls.Answer created = HttpCalls.as(SharedNode.adminKey())
                .post(
                        url("/v1/keys"),
                        "{\"principal\": \"" + principal + "\", \"role\": \"" + role + "\", \"tenants\": [\"" + tenant
                                + "\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String secret = created.json().path("key").asText();
        SECRETS.add(secret);
        return secret;
    }

    private static String url(String path) {
        return node.httpUrl() + path;
    }

    private static void assertUnauthorized(HttpCalls.Answer answer, String what) {
        assertThat(answer.status()).as(what + ": " + answer.body()).isEqualTo(401);
        assertThat(answer.json().path("field").asText()).as(what).isEqualTo("Authorization");
        assertThat(answer.json().path("error").asText()).as(what).isNotBlank();
        assertThat(answer.header("WWW-Authenticate"))
                .as(what)
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer").contains("realm=\"engram\""));
    }

    private static void assertForbidden(HttpCalls.Answer answer, String field, String what) {
        assertThat(answer.status()).as(what + ": " + answer.body()).isEqualTo(403);
        assertThat(answer.json().path("field").asText()).as(what).isEqualTo(field);
        assertThat(answer.header("WWW-Authenticate")).as(what).isEmpty();
    }

    /** The same request without a key, with a key the node never issued, and with a malformed header. */
    private static void assertRefusedWithoutAValidKey(String method, String path, String body) {
        assertUnauthorized(HttpCalls.anonymous().send(method, url(path), body), method + " " + path + " anonymous");
        assertUnauthorized(HttpCalls.as(WRONG_KEY).send(method, url(path), body), method + " " + path + " wrong key");
        assertUnauthorized(
                HttpCalls.as("not-a-key at all").send(method, url(path), body), method + " " + path + " malformed");
    }

    @Test
    void recallNeedsAReaderOfTheTenant() {
        String path = "/v1/tenants/" + A + "/recall";
        String body = "{\"task\": \"anything\"}";
        assertRefusedWithoutAValidKey("POST", path, body);

        assertForbidden(operatorB.post(url(path), body), "tenant", "operator of another tenant");
        assertThat(operatorB.post(url(path), body).json().path("error").asText())
                .contains("op-b", A);
        assertThat(readerA.post(url(path), body).status()).isEqualTo(200);
        assertThat(writerA.post(url(path), body).status()).isEqualTo(200);
        assertThat(adminOfA.post(url(path), body).status()).isEqualTo(200);
        assertThat(admin.post(url(path), body).status()).isEqualTo(200);
    }

    @Test
    void theOperationsRoutesNeedAReaderAndNamingAnotherTenantIsForbidden() {
        for (String path : List.of("/v1/tenants", "/v1/dead-letters", "/v1/training/jobs", "/v1/training/jobs/x")) {
            assertRefusedWithoutAValidKey("GET", path, null);
        }
        assertThat(readerA.get(url("/v1/tenants")).status()).isEqualTo(200);
        assertThat(readerA.get(url("/v1/dead-letters?tenant=" + A)).status()).isEqualTo(200);
        assertThat(readerA.get(url("/v1/training/jobs?tenant=" + A)).status()).isEqualTo(200);
        assertForbidden(operatorB.get(url("/v1/dead-letters?tenant=" + A)), "tenant", "another tenant's dead letters");
        assertForbidden(operatorB.get(url("/v1/training/jobs?tenant=" + A)), "tenant", "another tenant's jobs");
    }

    @Test
    void metricsNeedAKeyAndHealthSaysOnlyWhetherTheNodeIsUpWithoutOne() {
        assertRefusedWithoutAValidKey("GET", "/metrics", null);
        assertThat(readerA.get(url("/metrics")).status()).isEqualTo(200);

        HttpCalls.Answer open = HttpCalls.anonymous().get(url("/health"));
        HttpCalls.Answer wrong = HttpCalls.as(WRONG_KEY).get(url("/health"));
        HttpCalls.Answer keyed = readerA.get(url("/health"));
        assertThat(open.status()).isEqualTo(200);
        assertThat(open.json().path("status").asText()).isEqualTo("UP");
        assertThat(open.json().size())
                .as("nothing but the status: " + open.body())
                .isEqualTo(1);
        assertThat(open.body()).doesNotContain(node.bootstrapServers(), "engram.feedback");
        assertThat(wrong.json().size()).isEqualTo(1);
        assertThat(keyed.json().path("bootstrapServers").asText()).isEqualTo(node.bootstrapServers());
        assertThat(keyed.json().path("assignedPartitions").size()).isPositive();
    }

    @Test
    void adaptersAreListedAndReadOnlyForTheirTenantsReaders() {
        assertRefusedWithoutAValidKey("GET", "/v1/adapters", null);
        assertRefusedWithoutAValidKey("GET", "/v1/adapters/" + ADAPTER, null);

        assertThat(names(readerA.get(url("/v1/adapters")))).contains(ADAPTER);
        assertThat(names(operatorB.get(url("/v1/adapters")))).doesNotContain(ADAPTER);
        assertThat(names(admin.get(url("/v1/adapters")))).contains(ADAPTER);
        assertForbidden(operatorB.get(url("/v1/adapters/" + ADAPTER)), "tenant", "another tenant's adapter");
        HttpCalls.Answer one = readerA.get(url("/v1/adapters/" + ADAPTER));
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().path("tenant").asText()).isEqualTo(A);
    }

    @Test
    void pinUnpinAndRollbackNeedAnOperatorOfTheAdaptersTenantAndRecordTheKeysPrincipal() {
        for (String action : List.of("pin", "unpin", "rollback")) {
            String path = "/v1/adapters/" + ADAPTER + "/" + action;
            String body = action.equals("unpin")
                    ? "{\"reason\": \"auth test\"}"
                    : "{\"version\": 1, \"reason\": \"auth test\"}";
            assertRefusedWithoutAValidKey("POST", path, body);
            assertForbidden(readerA.post(url(path), body), "Authorization", action + " by a reader");
            assertThat(readerA.post(url(path), body).json().path("error").asText())
                    .contains("role reader", "needs role operator");
            assertForbidden(writerA.post(url(path), body), "Authorization", action + " by a writer");
            assertForbidden(operatorB.post(url(path), body), "tenant", action + " by another tenant's operator");
            assertForbidden(
                    operatorA.post(url("/v1/adapters/" + A + "-unknown/" + action), body),
                    "tenant",
                    action + " of an adapter whose tenant the node does not know, by a one-tenant operator");

            HttpCalls.Answer done = operatorA.post(url(path), body);
            assertThat(done.status()).as(done.body()).isEqualTo(202);
            assertThat(done.json().path("published").path("operator").asText()).isEqualTo("op-a");
        }

        HttpCalls.Answer audit = operatorA.get(url("/v1/audit"));
        assertThat(audit.status()).isEqualTo(200);
        List<JsonNode> mine = new ArrayList<>();
        audit.json().path("entries").forEach(e -> {
            if (e.path("target").asText().equals(ADAPTER)) {
                mine.add(e);
            }
        });
        assertThat(mine)
                .extracting(e -> e.path("action").asText())
                .containsExactly("adapter.pin", "adapter.unpin", "adapter.rollback");
        assertThat(mine).allSatisfy(e -> {
            assertThat(e.path("principal").asText()).isEqualTo("op-a");
            assertThat(e.path("role").asText()).isEqualTo("operator");
            assertThat(e.path("tenant").asText()).isEqualTo(A);
            assertThat(e.path("reason").asText()).isEqualTo("auth test");
            assertThat(Instant.parse(e.path("time").asText()))
                    .isBefore(Instant.now().plusSeconds(1));
        });
        assertThat(mine.get(0).path("detail").asText()).startsWith("version 1, published at offset");
        assertThat(audit.body())
                .as("an operator of one tenant sees no key actions")
                .doesNotContain("key.create");
        Await.until("the registry to show the last control by op-a", Duration.ofSeconds(30), () -> {
            JsonNode view = admin.get(url("/v1/adapters/" + ADAPTER)).json();
            return view.path("control").path("operator").asText().equals("op-a")
                    && view.path("control").path("action").asText().equals("ROLLBACK");
        });
    }

    @Test
    void keysAreManagedByAdminsOnlyAndWithinTheirTenants() {
        String body = "{\"principal\": \"ci-bot\", \"role\": \"reader\", \"tenants\": [\"" + A + "\"]}";
        assertRefusedWithoutAValidKey("POST", "/v1/keys", body);
        assertRefusedWithoutAValidKey("GET", "/v1/keys", null);
        assertRefusedWithoutAValidKey("DELETE", "/v1/keys/000000000000", null);
        assertForbidden(operatorA.post(url("/v1/keys"), body), "Authorization", "an operator creating a key");
        assertForbidden(operatorA.get(url("/v1/keys")), "Authorization", "an operator listing keys");
        assertForbidden(operatorA.delete(url("/v1/keys/000000000000")), "Authorization", "an operator revoking");
        assertForbidden(
                adminOfA.post(
                        url("/v1/keys"), "{\"principal\": \"x\", \"role\": \"reader\", \"tenants\": [\"" + B + "\"]}"),
                "tenants",
                "an admin of A handing out B");
        assertForbidden(
                adminOfA.post(url("/v1/keys"), "{\"principal\": \"x\", \"role\": \"reader\"}"),
                "tenants",
                "an admin of A handing out every tenant");

        HttpCalls.Answer created = adminOfA.post(url("/v1/keys"), body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().path("id").asText();
        String secret = created.json().path("key").asText();
        SECRETS.add(secret);
        assertThat(created.json().path("createdBy").asText()).isEqualTo("admin-a");
        assertThat(HttpCalls.as(secret)
                        .post(url("/v1/tenants/" + A + "/recall"), "{\"task\": \"x\"}")
                        .status())
                .isEqualTo(200);

        HttpCalls.Answer listed = admin.get(url("/v1/keys"));
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body()).contains(id, "ci-bot").doesNotContain(secret, "sha256");

        HttpCalls.Answer revoked = admin.delete(url("/v1/keys/" + id));
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(revoked.json().path("revoked").path("principal").asText()).isEqualTo("ci-bot");
        assertUnauthorized(
                HttpCalls.as(secret).post(url("/v1/tenants/" + A + "/recall"), "{\"task\": \"x\"}"), "a revoked key");
        assertThat(admin.delete(url("/v1/keys/" + id)).status()).isEqualTo(404);

        JsonNode audit = admin.get(url("/v1/audit?limit=" + AuditRoutes.MAX_LIMIT))
                .json()
                .path("entries");
        List<String> actions = new ArrayList<>();
        audit.forEach(e -> {
            if (e.path("target").asText().equals(id)) {
                actions.add(
                        e.path("action").asText() + " by " + e.path("principal").asText());
            }
        });
        assertThat(actions).containsExactly("key.create by admin-a", "key.revoke by admin");
    }

    @Test
    void theAuditLogNeedsAnOperatorOrAdmin() {
        assertRefusedWithoutAValidKey("GET", "/v1/audit", null);
        assertForbidden(readerA.get(url("/v1/audit")), "Authorization", "a reader");
        assertForbidden(writerA.get(url("/v1/audit")), "Authorization", "a writer");
        assertThat(operatorA.get(url("/v1/audit")).status()).isEqualTo(200);
        assertThat(admin.get(url("/v1/audit")).status()).isEqualTo(200);
        assertThat(admin.get(url("/v1/audit?limit=0")).status()).isEqualTo(400);
        assertThat(admin.get(url("/v1/audit?limit=ten")).json().path("field").asText())
                .isEqualTo("limit");
    }

    @Test
    void theKeysFileHoldsHashesOnlyAndItAndTheAdminKeyAreOwnerOnly() throws Exception {
        Path data = node.config().dataDir();
        String keys = Files.readString(data.resolve(ApiKeys.KEYS_FILE));

        assertThat(SECRETS).hasSizeGreaterThan(5);
        for (String secret : SECRETS) {
            // egk_<id>_<secret>: the secret part is everything after the id (it may itself hold '_').
            assertThat(keys).doesNotContain(secret).doesNotContain(secret.substring(secret.indexOf('_', 4) + 1));
            assertThat(keys)
                    .contains(java.util.HexFormat.of()
                            .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                    .digest(secret.getBytes(StandardCharsets.UTF_8))));
        }
        assertThat(Files.readString(data.resolve(ApiKeys.ADMIN_KEY_FILE)).strip())
                .isEqualTo(adminKey);
        if (Files.getFileStore(data).supportsFileAttributeView("posix")) {
            for (String file : List.of(ApiKeys.KEYS_FILE, ApiKeys.ADMIN_KEY_FILE, "audit.jsonl")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(file))))
                        .as(file)
                        .isEqualTo("rw-------");
            }
        }
    }

    @Test
    void adapterRoutesAnswer405ToAWrongMethodAndRefuseBadControls() {
        assertThat(admin.post(url("/v1/adapters"), "{}").status()).isEqualTo(405);
        assertThat(admin.delete(url("/v1/adapters/" + ADAPTER)).status()).isEqualTo(405);
        HttpCalls.Answer getPin = admin.get(url("/v1/adapters/" + ADAPTER + "/pin"));
        assertThat(getPin.status()).isEqualTo(405);
        assertThat(getPin.json().path("error").asText()).contains("use POST");
        assertThat(admin.get(url("/v1/keys/abc")).status()).isEqualTo(405);
        assertThat(admin.send("PUT", url("/v1/audit"), "{}").status()).isEqualTo(405);
        assertThat(admin.post(url("/v1/adapters/" + ADAPTER + "/promote"), "{}").status())
                .isEqualTo(404);

        String pin = url("/v1/adapters/" + ADAPTER + "/pin");
        for (String bad : List.of(
                "{\"version\": 1.9}",
                "{\"version\": \"3\"}",
                "{\"version\": 0}",
                "{}",
                "{\"version\": 1, \"version\": 2}")) {
            HttpCalls.Answer answer = operatorA.post(pin, bad);
            assertThat(answer.status()).as(bad + " -> " + answer.body()).isEqualTo(400);
            assertThat(answer.json().path("field").asText()).as(bad).isEqualTo("version");
        }
        HttpCalls.Answer typedOperator = operatorA.post(pin, "{\"version\": 1, \"operator\": \"mallory\"}");
        assertThat(typedOperator.status()).isEqualTo(400);
        assertThat(typedOperator.json().path("field").asText()).isEqualTo("operator");
        assertThat(typedOperator.json().path("error").asText()).contains("op-a");
        HttpCalls.Answer huge = operatorA.post(pin, "{\"reason\": \"" + "r".repeat(10 * 1024 * 1024) + "\"}");
        assertThat(huge.status()).isEqualTo(413);
    }

    private static List<String> names(HttpCalls.Answer adapters) {
        assertThat(adapters.status()).as(adapters.body()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        adapters.json().path("adapters").forEach(a -> names.add(a.path("name").asText()));
        return names;
    }
}
