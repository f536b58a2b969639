package dev.engram.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Embedder;
import dev.engram.node.config.ResilienceConfig;
import dev.engram.node.registry.PromotionGate;
import dev.engram.node.testing.HashingEmbedder;
import dev.engram.node.tuning.AgentModelRoundsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

    private static final Path DIR = Path.of("target", "node-config-test");

    @Test
    void defaultsAreTheDocumentedOnes() {
        NodeConfig config = NodeConfig.defaults(DIR);

        assertThat(config.bootstrapServers()).isNull();
        assertThat(config.embeddedBroker()).isTrue();
        assertThat(config.httpHost()).isEqualTo("127.0.0.1");
        assertThat(config.httpPort()).isEqualTo(7070);
        assertThat(config.groupId()).isEqualTo("engram-node");
        assertThat(config.embedder()).isNull();
        assertThat(config.storeConfig()).isEqualTo(CaseStoreConfig.defaults());
        assertThat(config.resilience()).isEqualTo(ResilienceConfig.defaults());
        assertThat(config.maxBatchRecords()).isEqualTo(1000);
        assertThat(config.commitInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.commitMaxEvents()).isEqualTo(10_000);
        assertThat(config.indexCommits().everyBatch()).isFalse();
        assertThat(config.promotionGate()).isEqualTo(new PromotionGate(0.0, 0.01));
        assertThat(config.adapterVersionsKept()).isEqualTo(5);
        assertThat(config.kafkaProperties()).isEmpty();
        assertThat(config.feedbackLayout()).isEqualTo(dev.engram.streams.FeedbackTopicLayout.SHARED);
        assertThat(config.maxConcurrentRecalls())
                .isEqualTo(2 * Runtime.getRuntime().availableProcessors());
        assertThat(config.httpTls()).isNull();
        assertThat(config.httpsEnabled()).isFalse();
        assertThat(config.maxFailedAuthPerMinute()).isEqualTo(20);
        assertThat(config.agentModelRounds().enabled())
                .as("a node has no agent model")
                .isFalse();
        assertThat(config.toBuilder().build()).isEqualTo(config);
    }

    @Test
    void agentModelRoundsAreOnWhenAskedForAndBadSettingsAreNamed() {
        AgentModelRoundsConfig rounds = AgentModelRoundsConfig.every(50).withMinReward(0.5);
        NodeConfig config = NodeConfig.builder(DIR).agentModelRounds(rounds).build();
        assertThat(config.agentModelRounds()).isEqualTo(rounds);
        assertThat(rounds.enabled()).isTrue();
        assertThat(rounds.maxEpisodes()).isEqualTo(2_000);
        assertThat(rounds.jobTimeout()).isEqualTo(Duration.ofHours(2));
        assertThat(config.toBuilder().build()).isEqualTo(config);
        assertThat(AgentModelRoundsConfig.adapterName("acme")).isEqualTo("acme-agent-model");
        assertThatThrownBy(() -> AgentModelRoundsConfig.every(0))
                .hasMessageContaining("agentModelRounds.minNewEpisodes must be >= 1, was 0");
        assertThatThrownBy(() -> AgentModelRoundsConfig.every(5).withMinReward(1.5))
                .hasMessageContaining("agentModelRounds.minReward must be in [0, 1], was 1.5");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).agentModelRounds(null).build())
                .hasMessageContaining("nodeConfig.agentModelRounds is required");
    }

    @Test
    void kafkaPropertiesReachTheNodesConnectionAndTheOwnedKeysAreRefused() {
        NodeConfig secured = NodeConfig.builder(DIR)
                .bootstrapServers("k1:9093")
                .kafkaProperties(java.util.Map.of("security.protocol", "SASL_SSL"))
                .feedbackLayout(dev.engram.streams.FeedbackTopicLayout.PER_TENANT)
                .maxConcurrentRecalls(3)
                .build();
        assertThat(secured.kafka("k1:9093").securityProtocol()).isEqualTo("SASL_SSL");
        assertThat(secured.toBuilder().build()).isEqualTo(secured);
        assertThatThrownBy(() -> NodeConfig.builder(DIR)
                        .bootstrapServers("k1:9093")
                        .kafkaProperties(java.util.Map.of("isolation.level", "read_uncommitted"))
                        .build())
                .hasMessageContaining("nodeConfig.kafkaProperties")
                .hasMessageContaining("isolation.level");
        assertThatThrownBy(() -> NodeConfig.builder(DIR)
                        .kafkaProperties(java.util.Map.of("security.protocol", "SASL_SSL"))
                        .build())
                .as("the embedded broker is plaintext")
                .hasMessageContaining("nodeConfig.bootstrapServers");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).maxConcurrentRecalls(0).build())
                .hasMessageContaining("nodeConfig.maxConcurrentRecalls");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).feedbackLayout(null).build())
                .hasMessageContaining("nodeConfig.feedbackLayout");
    }

    @Test
    void aNodeWithAnEmbedderTakesTheSameBatchesSinceTheEncoderIsOffTheWritePath() {
        HashingEmbedder embedder = new HashingEmbedder(384);
        assertThat(NodeConfig.builder(DIR).embedder(embedder).build().maxBatchRecords())
                .isEqualTo(NodeConfig.DEFAULT_MAX_BATCH_RECORDS);
        assertThat(NodeConfig.builder(DIR)
                        .embedder(embedder)
                        .maxBatchRecords(500)
                        .build()
                        .maxBatchRecords())
                .isEqualTo(500);
    }

    @Test
    void rejectsBadSettingsNamingThem() {
        assertThatThrownBy(() -> NodeConfig.builder(null).build()).hasMessageContaining("nodeConfig.dataDir");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).httpPort(70_000).build())
                .hasMessageContaining("nodeConfig.httpPort");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).bootstrapServers(" ").build())
                .hasMessageContaining("nodeConfig.bootstrapServers");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).groupId("no spaces").build())
                .hasMessageContaining("nodeConfig.groupId");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).maxBatchRecords(0).build())
                .hasMessageContaining("nodeConfig.maxBatchRecords");
        assertThatThrownBy(
                        () -> NodeConfig.builder(DIR).pollTimeout(Duration.ZERO).build())
                .hasMessageContaining("nodeConfig.pollTimeout");
        assertThatThrownBy(() -> NodeConfig.builder(DIR)
                        .commitInterval(Duration.ofMillis(-1))
                        .build())
                .hasMessageContaining("nodeConfig.commitInterval");
        assertThatThrownBy(() -> NodeConfig.builder(DIR)
                        .commitInterval(Duration.ofHours(2))
                        .build())
                .hasMessageContaining("nodeConfig.commitInterval");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).commitMaxEvents(0).build())
                .hasMessageContaining("nodeConfig.commitMaxEvents");
        assertThat(NodeConfig.builder(DIR)
                        .commitInterval(Duration.ZERO)
                        .build()
                        .indexCommits()
                        .everyBatch())
                .as("0 commits every batch")
                .isTrue();
        assertThatThrownBy(() -> NodeConfig.builder(DIR).promotionGate(null).build())
                .hasMessageContaining("nodeConfig.promotionGate");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).adapterVersionsKept(0).build())
                .hasMessageContaining("nodeConfig.adapterVersionsKept");
        assertThatThrownBy(
                        () -> NodeConfig.builder(DIR).maxFailedAuthPerMinute(0).build())
                .hasMessageContaining("nodeConfig.maxFailedAuthPerMinute");
        assertThatThrownBy(() -> NodeConfig.builder(DIR).httpTls(DIR.resolve("none.p12"), DIR.resolve("none.pass")))
                .hasMessageContaining("none.pass");
    }

    @Test
    void promotionMarginsAreSetAndValidated() {
        NodeConfig strict = NodeConfig.builder(DIR)
                .promotionGate(new PromotionGate(0.02, 0.0))
                .build();
        assertThat(strict.promotionGate().minHeldOutGain()).isEqualTo(0.02);
        assertThat(strict.toBuilder().build()).isEqualTo(strict);
        assertThatThrownBy(() -> new PromotionGate(1.5, 0.01))
                .hasMessageContaining("promotionGate.minHeldOutGain")
                .hasMessageContaining("[-1, 1]");
        assertThatThrownBy(() -> new PromotionGate(0.0, -0.01)).hasMessageContaining("promotionGate.maxRetentionLoss");
        assertThatThrownBy(() -> new PromotionGate(Double.NaN, 0.01)).hasMessageContaining("minHeldOutGain");
    }

    @Test
    void rejectsAnEmbedderWhoseDimensionTheStoreDoesNotHave() {
        Embedder tiny = new Embedder() {
            @Override
            public String modelId() {
                return "tiny";
            }

            @Override
            public int dimension() {
                return 8;
            }

            @Override
            public float[] embedQuery(String text) {
                return new float[8];
            }

            @Override
            public List<float[]> embedDocuments(List<String> texts) {
                return texts.stream().map(this::embedQuery).toList();
            }
        };

        assertThatThrownBy(() -> NodeConfig.builder(DIR).embedder(tiny).build())
                .hasMessageContaining("nodeConfig.embedder")
                .hasMessageContaining("withVectorDimension(8)");
        assertThat(NodeConfig.builder(DIR)
                        .embedder(tiny)
                        .storeConfig(CaseStoreConfig.defaults().withVectorDimension(8))
                        .build()
                        .embedder())
                .isSameAs(tiny);
    }

    @Test
    void resilienceSettingsAreValidated() {
        ResilienceConfig r = ResilienceConfig.defaults();
        assertThat(r.storeWriteMaxAttempts()).isEqualTo(6);
        assertThatThrownBy(() -> r.withStoreWrite(0, Duration.ofMillis(1), 2, Duration.ofSeconds(1)))
                .hasMessageContaining("resilience.storeWriteMaxAttempts");
        assertThatThrownBy(() -> r.withStoreWrite(3, Duration.ofMillis(1), 0.5, Duration.ofSeconds(1)))
                .hasMessageContaining("resilience.storeWriteMultiplier");
        assertThatThrownBy(() -> r.withRedelivery(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("resilience.redeliveryBackoff");
    }
}
