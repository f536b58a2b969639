package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TenantFixture;
import dev.engram.node.testing.TestIds;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/tenants} on a running node fed through Kafka: a tenant's cases counted by
 * polarity, the feedback on them, its serving version and each version's held-out nDCG@10; a key
 * sees only its tenants.
 */
class TenantRoutesTest {

    private static final String T = TestIds.unique("tenants");

    @Test
    void aTenantIsSummarisedWithItsCasesFeedbackAndVersionsAndOnlyForItsKeys() {
        EngramNode node = SharedNode.get();
        HttpCalls.Client admin = HttpCalls.as(SharedNode.adminKey());
        TenantFixture.create(node, T);

        JsonNode t = tenant(admin.get(node.httpUrl() + "/v1/tenants"), T);
        assertThat(t.path("cases").asLong()).isEqualTo(4);
        assertThat(t.path("positive").asLong()).isEqualTo(3);
        assertThat(t.path("negative").asLong()).isEqualTo(1);
        assertThat(t.path("positiveShare").asDouble()).isEqualTo(0.75);
        assertThat(t.path("judgedCases").asLong()).isEqualTo(2);
        assertThat(t.path("judgements").asLong()).isEqualTo(3);
        assertThat(t.path("useful").asLong()).isEqualTo(2);
        assertThat(t.path("usefulShare").asDouble()).isEqualTo(0.667);
        assertThat(t.path("adapter").asText()).isEqualTo(T + "-retriever");
        assertThat(t.path("servingVersion").asLong()).isEqualTo(2);
        assertThat(t.path("pinnedVersion").isNull()).isTrue();
        List<String> versions = new ArrayList<>();
        t.path("versions")
                .forEach(v -> versions.add(
                        v.path("version").asLong() + " " + v.path("status").asText() + " "
                                + v.path("heldOutNdcg10").asDouble() + " "
                                + v.path("parentHeldOutNdcg10").asDouble()
                                + " " + v.path("heldOutQueries").asInt() + " "
                                + v.path("serving").asBoolean()));
        assertThat(versions).containsExactly("1 PROMOTED 0.41 0.4 40 false", "2 PROMOTED 0.43 0.41 44 true");

        HttpCalls.Answer created = admin.post(
                node.httpUrl() + "/v1/keys",
                "{\"principal\": \"tenants-reader\", \"role\": \"reader\", \"tenants\": [\"" + T + "\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        HttpCalls.Answer own = HttpCalls.as(created.json().path("key").asText()).get(node.httpUrl() + "/v1/tenants");
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.json().path("tenants"))
                .extracting(n -> n.path("tenant").asText())
                .containsExactly(T);
        assertThat(HttpCalls.anonymous().get(node.httpUrl() + "/v1/tenants").status())
                .isEqualTo(401);
    }

    private static JsonNode tenant(HttpCalls.Answer answer, String name) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        for (JsonNode t : answer.json().path("tenants")) {
            if (t.path("tenant").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no tenant " + name + " in " + answer.body());
    }
}
