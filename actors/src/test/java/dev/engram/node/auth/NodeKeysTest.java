package dev.engram.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.NodeConfigBuilder;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's keys across starts: the admin key made once on first start and kept; a node beyond
 * loopback without keys refuses to start, and with one starts and checks it; anonymous access only
 * on loopback and only when asked for; the audit log survives a restart.
 */
class NodeKeysTest {

    @TempDir
    Path tmp;

    private static NodeConfigBuilder node(Path dir) {
        return NodeConfig.builder(dir)
                .bootstrapServers(SharedKafka.bootstrapServers())
                .httpPort(0)
                .groupId(TestIds.unique("keys"))
                .tuning(TuningSchedulerConfig.disabled());
    }

    @Test
    void theAdminKeyIsCreatedOnFirstStartOnlyAndServesAfterARestartWithItsAuditLog() throws Exception {
        Path dir = tmp.resolve("node");
        String created;
        try (EngramNode first = EngramNode.start(node(dir).build())) {
            created = first.createdAdminKey().orElseThrow();
            assertThat(Files.readString(dir.resolve(ApiKeys.ADMIN_KEY_FILE)).strip())
                    .isEqualTo(created);
            assertThat(first.localAdminKey()).contains(created);
            HttpCalls.Answer pin = HttpCalls.as(created)
                    .post(
                            first.httpUrl() + "/v1/adapters/keys-test/pin",
                            "{\"version\": 2, \"reason\": \"before the restart\"}");
            assertThat(pin.status()).as(pin.body()).isEqualTo(202);
        }
        String keysBefore = Files.readString(dir.resolve(ApiKeys.KEYS_FILE));

        try (EngramNode second = EngramNode.start(node(dir).build())) {
            assertThat(second.createdAdminKey()).as("no second admin key").isEmpty();
            assertThat(Files.readString(dir.resolve(ApiKeys.ADMIN_KEY_FILE)).strip())
                    .isEqualTo(created);
            assertThat(Files.readString(dir.resolve(ApiKeys.KEYS_FILE))).isEqualTo(keysBefore);
            HttpCalls.Answer keys = HttpCalls.as(created).get(second.httpUrl() + "/v1/keys");
            assertThat(keys.status()).isEqualTo(200);
            assertThat(keys.json().path("keys")).hasSize(1);
            JsonNode only = keys.json().path("keys").get(0);
            assertThat(only.path("principal").asText()).isEqualTo(ApiKeys.ADMIN_PRINCIPAL);
            assertThat(only.path("role").asText()).isEqualTo("admin");
            assertThat(only.path("tenants").toString()).isEqualTo("[\"*\"]");

            JsonNode audit = HttpCalls.as(created)
                    .get(second.httpUrl() + "/v1/audit")
                    .json()
                    .path("entries");
            assertThat(audit).hasSize(1);
            assertThat(audit.get(0).path("action").asText()).isEqualTo("adapter.pin");
            assertThat(audit.get(0).path("principal").asText()).isEqualTo(ApiKeys.ADMIN_PRINCIPAL);
            assertThat(audit.get(0).path("target").asText()).isEqualTo("keys-test");
            assertThat(audit.get(0).path("reason").asText()).isEqualTo("before the restart");

            HttpCalls.Answer lastAdmin = HttpCalls.as(created)
                    .delete(second.httpUrl() + "/v1/keys/" + only.path("id").asText());
            assertThat(lastAdmin.status()).as(lastAdmin.body()).isEqualTo(409);
            assertThat(lastAdmin.json().path("error").asText()).contains("last admin key");
        }
    }

    @Test
    void aNodeBeyondLoopbackWithoutKeysRefusesToStartBeforeAnythingElseStarts() {
        Path dir = tmp.resolve("open");

        assertThatThrownBy(() -> EngramNode.start(node(dir).httpHost("0.0.0.0").build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("beyond loopback", "holds no API key", "engram keys create");
        assertThat(dir.resolve("cases")).doesNotExist();
        assertThat(dir.resolve(ApiKeys.ADMIN_KEY_FILE))
                .as("no key made for a node others can reach")
                .doesNotExist();

        assertThatThrownBy(
                        () -> node(dir).httpHost("0.0.0.0").allowAnonymous(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("allowAnonymous is only allowed when the HTTP API listens on loopback");
    }

    @Test
    void aNodeBeyondLoopbackWithAKeyStartsAndRequiresIt() {
        Path dir = tmp.resolve("served");
        IssuedKey ops = ApiKeys.open(dir, Clock.systemUTC()).create("ops", Role.ADMIN, TenantScope.ALL, "test");

        try (EngramNode n = EngramNode.start(node(dir).httpHost("0.0.0.0").build())) {
            String url = "http://127.0.0.1:" + n.httpPort();
            assertThat(n.createdAdminKey()).isEmpty();
            assertThat(dir.resolve(ApiKeys.ADMIN_KEY_FILE)).doesNotExist();
            assertThat(HttpCalls.anonymous()
                            .post(url + "/v1/tenants/acme/recall", "{\"task\": \"x\"}")
                            .status())
                    .isEqualTo(401);
            assertThat(HttpCalls.as(ops.secret())
                            .post(url + "/v1/tenants/acme/recall", "{\"task\": \"x\"}")
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void anonymousAccessOnLoopbackIsAnOperatorNotAnAdminAndAWrongKeyIsStillRefused() {
        try (EngramNode n =
                EngramNode.start(node(tmp.resolve("anon")).allowAnonymous(true).build())) {
            HttpCalls.Client anonymous = HttpCalls.anonymous();
            assertThat(anonymous
                            .post(n.httpUrl() + "/v1/tenants/acme/recall", "{\"task\": \"x\"}")
                            .status())
                    .isEqualTo(200);
            HttpCalls.Answer pin = anonymous.post(n.httpUrl() + "/v1/adapters/anon-test/pin", "{\"version\": 1}");
            assertThat(pin.status()).as(pin.body()).isEqualTo(202);
            assertThat(pin.json().path("published").path("operator").asText()).isEqualTo(Principal.ANONYMOUS);
            assertThat(anonymous.get(n.httpUrl() + "/v1/keys").status()).isEqualTo(403);
            assertThat(anonymous
                            .get(n.httpUrl() + "/health")
                            .json()
                            .path("consumer")
                            .isMissingNode())
                    .isFalse();
            assertThat(HttpCalls.as("egk_000000000000_" + "x".repeat(43))
                            .get(n.httpUrl() + "/metrics")
                            .status())
                    .isEqualTo(401);
            assertThat(HttpCalls.as(n.localAdminKey().orElseThrow())
                            .get(n.httpUrl() + "/v1/keys")
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void keysAreCheckedByHashAndScopeAndRevokedForGood() {
        ApiKeys keys = ApiKeys.open(tmp.resolve("store"), Clock.systemUTC());
        IssuedKey admin = keys.bootstrapAdminKey().orElseThrow();
        IssuedKey reader = keys.create("bot", Role.READER, TenantScope.parse("acme,globex"), "admin");
        String tampered = reader.secret().substring(0, reader.secret().length() - 1)
                + (reader.secret().endsWith("A") ? "B" : "A");

        assertThat(keys.bootstrapAdminKey())
                .as("only for a directory without keys")
                .isEmpty();
        assertThat(keys.authenticate(reader.secret())).hasValueSatisfying(p -> {
            assertThat(p.name()).isEqualTo("bot");
            assertThat(p.may(Role.READER)).isTrue();
            assertThat(p.may(Role.WRITER)).isFalse();
            assertThat(p.mayAccess("globex")).isTrue();
            assertThat(p.mayAccess("initech")).isFalse();
        });
        assertThat(keys.authenticate(tampered)).isEmpty();
        assertThat(keys.authenticate(null)).isEmpty();
        assertThat(reader.toString()).doesNotContain(reader.secret());

        ApiKeys reopened = ApiKeys.open(tmp.resolve("store"), Clock.systemUTC());
        assertThat(reopened.authenticate(reader.secret())).isPresent();
        assertThat(reopened.revoke(reader.key().id())).isPresent();
        assertThat(ApiKeys.open(tmp.resolve("store"), Clock.systemUTC()).authenticate(reader.secret()))
                .isEmpty();
        assertThatThrownBy(() -> reopened.revoke(admin.key().id())).isInstanceOf(LastAdminKeyException.class);
        List<String> roles = new ArrayList<>();
        reopened.list().forEach(k -> roles.add(k.role().wireName()));
        assertThat(roles).containsExactly("admin");
    }
}
