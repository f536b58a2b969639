package dev.engram.node.sdk;

import dev.engram.node.tuning.TuningSchedulerConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.Feedback;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime SDK against a real node and broker: feedback becomes a case, recall finds it, errors are clear. */
class RuntimeSdkEndToEndTest {

    @Test
    void feedbackFromTheSdkIsRecalledThroughTheSdk(@TempDir Path data) {
        String bootstrap = SharedKafka.bootstrapServers();
        String tenant = TestIds.unique("sdk").toLowerCase().replaceAll("[^a-z0-9_-]", "-");
        NodeConfig config = NodeConfig.builder(data).bootstrapServers(bootstrap).groupId(TestIds.unique("sdk-node"))
                .httpPort(0).tuning(TuningSchedulerConfig.disabled()).build();
        try (EngramNode node = EngramNode.start(config);
             EngramClient client = EngramClient.builder().nodeUrl(URI.create(node.httpUrl()))
                     .bootstrapServers(bootstrap).agentId("sdk-agent").build()) {
            Feedback first = Feedback.forTask(tenant, "wing flutter at transonic speed")
                    .plan("added a mass balance to the aileron").outcome("flutter gone").reward(0.9).build();
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

            String eventId = client.feedback(Feedback.forRecall(answer).plan("did the same").reward(1.0)
                    .useful(c.caseId(), true).build());
            assertThat(eventId).isNotBlank();

            assertThatThrownBy(() -> client.recall(tenant, "x", 100_000))
                    .isInstanceOfSatisfying(EngramApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.field()).isEqualTo("k");
                        assertThat(e.getMessage()).contains("answered 400", "(field k)");
                    });
        }
    }
}
