package dev.engram.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.memory.RecallQuery;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes in one consumer group on the shared broker (BM25 only): Kafka splits the
 * feedback partitions between them, and a recall for any tenant, sent to either node, is answered
 * by the owner of the tenant's partition with the tenant's cases.
 */
class ClusterRecallTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final int PARTITIONS = 4;
    private static final int CASES_PER_TENANT = 3;

    @TempDir
    Path dir;

    @Test
    void everyTenantIsAnsweredByEitherNodeFromTheOwnerOfItsPartitionAndByTheSurvivorWhenOneStops() throws Exception {
        String group = TestIds.unique("cluster");
        try (EngramNode a = start("a", group, List.of());
                EngramNode b =
                        start("b", group, List.of(a.cluster().orElseThrow().seedAddress()))) {
            NodeCluster ca = a.cluster().orElseThrow();
            NodeCluster cb = b.cluster().orElseThrow();
            Await.until(
                    "both nodes Up in one cluster, each owning two partitions, all four placed on their owners",
                    BOUND,
                    () -> settled(ca, cb),
                    () -> ca.status() + "\n" + cb.status());

            // Produced once the partitions are split: each node holds only its own partitions' tenants.
            Map<String, Set<String>> cases = produceTenants();
            for (String tenant : cases.keySet()) {
                Await.until(
                        "tenant " + tenant + " answered with its cases through both nodes",
                        BOUND,
                        () -> caseIds(a, tenant).equals(cases.get(tenant))
                                && caseIds(b, tenant).equals(cases.get(tenant)),
                        () -> "a: " + caseIds(a, tenant) + ", b: " + caseIds(b, tenant) + ", want "
                                + cases.get(tenant));
            }

            TenantPartitioner partitioner = new TenantPartitioner(PARTITIONS);
            int routed = 0;
            for (String tenant : cases.keySet()) {
                int partition = partitioner.partitionOf(tenant);
                EngramNode owner = ca.ownership().owns(partition) ? a : b;
                EngramNode other = owner == a ? b : a;
                assertThat(other.store()
                                .recall(RecallQuery.bm25(tenant, "flutter of a heated wing", 10))
                                .ranked())
                        .as("the node that does not own %s's partition %d holds none of its cases", tenant, partition)
                        .isEmpty();
                // The routed answer is the owner's own: the same cases in the same order, same scores.
                assertThat(ranked(other, tenant)).isEqualTo(ranked(owner, tenant));
                // The playground reads the memory of the node it is asked on: the other one names the owner.
                String trial = "{\"task\": \"flutter of a heated wing\", \"versions\": [\"serving\", \"base\"]}";
                HttpCalls.Answer elsewhere =
                        HttpCalls.post(other.httpUrl() + "/v1/tenants/" + tenant + "/playground", trial);
                assertThat(elsewhere.status()).as(elsewhere.body()).isEqualTo(409);
                assertThat(elsewhere.json().path("error").asText())
                        .contains((owner == a ? ca : cb).selfAddress(), "ask the owner");
                HttpCalls.Answer here =
                        HttpCalls.post(owner.httpUrl() + "/v1/tenants/" + tenant + "/playground", trial);
                assertThat(here.status()).as(here.body()).isEqualTo(200);
                assertThat(here.json().path("a").path("ranked"))
                        .hasSize(ranked(owner, tenant).size());
                routed++;
            }
            assertThat(routed).isEqualTo(cases.size());

            JsonNode health = HttpCalls.get(a.httpUrl() + "/health").json();
            assertThat(health.path("status").asText()).isEqualTo("UP");
            JsonNode view = HttpCalls.anonymous().get(a.httpUrl() + "/health").json();
            assertThat(view.path("cluster").path("self").asText()).isEqualTo(ca.selfAddress());
            assertThat(view.path("cluster").path("members")).hasSize(2);
            assertThat(view.path("cluster").path("ownedPartitions")).hasSize(2);
            Set<String> owners = new TreeSet<>();
            view.path("cluster").path("partitionOwners").forEach(o -> owners.add(o.asText()));
            assertThat(owners).containsExactlyInAnyOrder(ca.selfAddress(), cb.selfAddress());

            // b stops: its consumer leaves the group and its member the cluster; a takes its partitions
            // (replaying them from the topic, since a's index never held them) and answers every tenant.
            b.close();
            Await.until(
                    "a owns all four partitions and has placed them on itself",
                    BOUND,
                    () -> ca.status().ownedPartitions().size() == PARTITIONS
                            && Set.copyOf(ca.status().partitionOwners().values())
                                    .equals(Set.of(ca.selfAddress())),
                    () -> ca.status().toString());
            for (String tenant : cases.keySet()) {
                Await.until(
                        "tenant " + tenant + " answered by the surviving node with exactly its cases",
                        BOUND,
                        () -> ranked(a, tenant).size() == CASES_PER_TENANT
                                && caseIds(a, tenant).equals(cases.get(tenant)),
                        () -> "a: " + ranked(a, tenant) + ", want " + cases.get(tenant));
            }
        }
    }

    @Test
    void aClusterNeedsTheSharedLayoutAndASharedBroker() {
        ClusterConfig on = ClusterConfig.on("127.0.0.1", 0, List.of());
        assertThatThrownBy(() -> NodeConfig.builder(dir)
                        .bootstrapServers("127.0.0.1:9092")
                        .feedbackLayout(FeedbackTopicLayout.PER_TENANT)
                        .cluster(on)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nodeConfig.cluster needs the shared feedback layout");
        assertThatThrownBy(() -> NodeConfig.builder(dir).cluster(on).build())
                .hasMessageContaining("nodeConfig.cluster needs a broker that every node shares");
        assertThatThrownBy(() -> ClusterConfig.on("127.0.0.1", 0, List.of("nohost")))
                .hasMessageContaining("clusterConfig.seeds: 'nohost' is not host:port");
        assertThat(NodeConfig.builder(dir).build().cluster().enabled())
                .as("a node is on its own unless told otherwise")
                .isFalse();
    }

    private boolean settled(NodeCluster ca, NodeCluster cb) {
        ClusterStatus sa = ca.status();
        ClusterStatus sb = cb.status();
        return sa.members().stream().filter(m -> m.endsWith(" Up")).count() == 2
                && sa.ownedPartitions().size() == 2
                && sb.ownedPartitions().size() == 2
                && placed(sa, ca.selfAddress(), cb.selfAddress())
                && placed(sb, ca.selfAddress(), cb.selfAddress());
    }

    /** Whether every partition's shard is placed on the node that owns it, as {@code seen} tells. */
    private boolean placed(ClusterStatus seen, String addressA, String addressB) {
        return seen.partitionOwners().size() == PARTITIONS
                && new HashSet<>(seen.partitionOwners().values()).equals(Set.of(addressA, addressB));
    }

    private EngramNode start(String name, String group, List<String> seeds) {
        return EngramNode.start(NodeConfig.builder(dir.resolve(name))
                .bootstrapServers(SharedKafka.bootstrapServers())
                .groupId(group)
                .httpPort(0)
                .allowAnonymous(true)
                .tuning(TuningSchedulerConfig.disabled())
                .cluster(ClusterConfig.on("127.0.0.1", 0, seeds))
                .build());
    }

    /** Two tenants per partition, {@value #CASES_PER_TENANT} cases each; tenant → its case ids. */
    private Map<String, Set<String>> produceTenants() throws Exception {
        TenantPartitioner partitioner = new TenantPartitioner(PARTITIONS);
        Map<Integer, List<String>> byPartition = new LinkedHashMap<>();
        String prefix = TestIds.unique("ct");
        for (int i = 0; byPartition.values().stream().mapToInt(List::size).sum() < 2 * PARTITIONS; i++) {
            String tenant = prefix + "-" + i;
            List<String> tenants = byPartition.computeIfAbsent(partitioner.partitionOf(tenant), p -> new ArrayList<>());
            if (tenants.size() < 2) {
                tenants.add(tenant);
            }
        }
        Map<String, Set<String>> cases = new LinkedHashMap<>();
        Instant t = Instant.parse("2026-03-01T00:00:00Z");
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers())) {
            for (List<String> tenants : byPartition.values()) {
                for (String tenant : tenants) {
                    Set<String> ids = new TreeSet<>();
                    for (int c = 0; c < CASES_PER_TENANT; c++) {
                        String id = tenant + "-case-" + c;
                        FeedbackEvent event = FeedbackEvent.of(
                                id,
                                tenant,
                                "agent",
                                t.plusSeconds(c),
                                "flutter of a heated wing, case " + c,
                                "plan " + c,
                                "outcome " + c,
                                c == 0 ? 0.2 : 0.9,
                                null);
                        RecordMetadata sent = producer.send(
                                        new ProducerRecord<>(Topics.FEEDBACK, tenant, EventCodec.encode(event)))
                                .get(30, TimeUnit.SECONDS);
                        assertThat(sent.partition())
                                .as("Kafka's partition of %s is the partitioner's", tenant)
                                .isEqualTo(partitioner.partitionOf(tenant));
                        ids.add(id);
                    }
                    cases.put(tenant, ids);
                }
            }
        }
        return cases;
    }

    private static Set<String> caseIds(EngramNode node, String tenant) {
        Set<String> ids = new TreeSet<>();
        ranked(node, tenant).forEach(c -> ids.add(c.substring(0, c.indexOf(' '))));
        return ids;
    }

    /** The case ids and scores that {@code node} answers for {@code tenant}, best first; empty unless 200. */
    private static List<String> ranked(EngramNode node, String tenant) {
        HttpCalls.Answer answer = HttpCalls.post(
                node.httpUrl() + "/v1/tenants/" + tenant + "/recall",
                "{\"task\": \"flutter of a heated wing\", \"k\": 10}");
        List<String> ranked = new ArrayList<>();
        if (answer.status() == 200) {
            answer.json()
                    .path("ranked")
                    .forEach(c -> ranked.add(
                            c.path("caseId").asText() + " " + c.path("score").asDouble()));
        }
        return ranked;
    }
}
