package dev.engram.node.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.http.AuditRoutes;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.runtime.ApiKeyInfo;
import dev.engram.runtime.AuditRecord;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.Feedback;
import dev.engram.runtime.IssuedApiKey;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime SDK against a real node and broker: feedback becomes a case, recall finds it, errors are clear. */
class RuntimeSdkEndToEndTest {

    @Test
    void feedbackFromTheSdkIsRecalledThroughTheSdk(@TempDir Path data) {
        String bootstrap = SharedKafka.bootstrapServers();
        String tenant = TestIds.unique("sdk").toLowerCase().replaceAll("[^a-z0-9_-]", "-");
        NodeConfig config = NodeConfig.builder(data)
                .bootstrapServers(bootstrap)
                .groupId(TestIds.unique("sdk-node"))
                .httpPort(0)
                .tuning(TuningSchedulerConfig.disabled())
                .build();
        try (EngramNode node = EngramNode.start(config);
                EngramClient client = EngramClient.builder()
                        .nodeUrl(URI.create(node.httpUrl()))
                        .apiKey(node.localAdminKey().orElseThrow())
                        .bootstrapServers(bootstrap)
                        .agentId("sdk-agent")
                        .build()) {
            Feedback first = Feedback.forTask(tenant, "wing flutter at transonic speed")
                    .plan("added a mass balance to the aileron")
                    .outcome("flutter gone")
                    .reward(0.9)
                    .build();
            client.feedback(first);

            AtomicReference<RecallResponse> recall = new AtomicReference<>();
            Await.until("the node to serve the case sent through the SDK", Duration.ofSeconds(60), () -> {
                recall.set(client.recall(tenant, "flutter of a wing near Mach 1", 5));
                return !recall.get().ranked().isEmpty();
            });
            RecallResponse answer = recall.get();
            RecalledCase c = answer.ranked().get(0);
            assertThat(c.caseId()).isNotBlank();
            assertThat(c.plan()).isEqualTo("added a mass balance to the aileron");
            assertThat(c.rank()).isEqualTo(1);
            assertThat(answer.adapterVersion()).isNotBlank();
            assertThat(answer.tenant()).isEqualTo(tenant);

            String eventId = client.feedback(Feedback.forRecall(answer)
                    .plan("did the same")
                    .reward(1.0)
                    .useful(c.caseId(), true)
                    .build());
            assertThat(eventId).isNotBlank();

            assertThatThrownBy(() -> client.recall(tenant, "x", 100_000))
                    .isInstanceOfSatisfying(EngramApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.field()).isEqualTo("k");
                        assertThat(e.getMessage()).contains("answered 400", "(field k)");
                    });
        }
    }

    @Test
    void anAdminMakesAScopedReaderKeyWhoseCallsTheNodeChecksAndRevokesIt() {
        EngramNode node = SharedNode.get();
        String tenant = TestIds.unique("sdk-keys").toLowerCase().replaceAll("[^a-z0-9_-]", "-");
        try (EngramClient admin = client(node, SharedNode.adminKey())) {
            IssuedApiKey issued = admin.admin().createKey("sdk-reader", "reader", List.of(tenant));
            assertThat(issued.key()).startsWith("egk_" + issued.info().id() + "_");
            assertThat(issued.toString()).doesNotContain(issued.key());
            assertThat(issued.info().tenants()).containsExactly(tenant);
            assertThat(admin.admin().keys())
                    .extracting(ApiKeyInfo::id)
                    .contains(issued.info().id());

            try (EngramClient reader = client(node, issued.key());
                    EngramClient nobody = client(node, null)) {
                assertThat(reader.recall(tenant, "anything at all", 3).tenant()).isEqualTo(tenant);
                assertThatThrownBy(() -> reader.recall("other-" + tenant, "anything", 3))
                        .isInstanceOfSatisfying(EngramApiException.class, e -> {
                            assertThat(e.status()).isEqualTo(403);
                            assertThat(e.field()).isEqualTo("tenant");
                        });
                assertThatThrownBy(() -> reader.admin().keys())
                        .isInstanceOfSatisfying(
                                EngramApiException.class,
                                e -> assertThat(e.status()).isEqualTo(403));
                assertThatThrownBy(() -> nobody.recall(tenant, "anything", 3))
                        .isInstanceOfSatisfying(
                                EngramApiException.class,
                                e -> assertThat(e.status()).isEqualTo(401));

                assertThat(admin.admin().revokeKey(issued.info().id()).principal())
                        .isEqualTo("sdk-reader");
                assertThatThrownBy(() -> reader.recall(tenant, "anything", 3))
                        .isInstanceOfSatisfying(
                                EngramApiException.class,
                                e -> assertThat(e.status()).isEqualTo(401));
            }
            assertThat(admin.admin().audit(AuditRoutes.MAX_LIMIT))
                    .filteredOn(r -> r.target().equals(issued.info().id()))
                    .extracting(AuditRecord::action, AuditRecord::principal)
                    .containsExactly(tuple("key.create", "admin"), tuple("key.revoke", "admin"));
        }
    }

    private static EngramClient client(EngramNode node, String key) {
        return EngramClient.builder()
                .nodeUrl(URI.create(node.httpUrl()))
                .apiKey(key)
                .agentId("sdk-keys")
                .build();
    }
}
