package dev.engram.tools.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.cluster.TenantPartitioner;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.NodeHealth;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.RecalledCase;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.tools.testing.ChildNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster of node JVMs (BM25 only, small heaps) on one broker, eight tenants over the four
 * partitions of {@code engram.feedback}, and what an agent sees through the SDK given every node's
 * URL: every node answers every tenant exactly as a single node holding all of them does (the same
 * cases in the same order); after a {@code kill -9} of a node every tenant is answered again within
 * 30 s, with nothing lost or doubled; a rolling restart of every node fails no recall; and a node
 * that joins takes partitions over without losing a case.
 *
 * <p>The scenarios run in order on one cluster (starting node JVMs is what costs); each begins by
 * awaiting the cluster the previous one left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverTest {

    private static final int PARTITIONS = 4;
    private static final int TENANTS_PER_PARTITION = 2;
    private static final int CASES_PER_TENANT = 6;
    /** Each case holds the query term 1..6 times in a task of fixed length: a BM25 order no index statistic changes. */
    private static final String QUERY = "flutter";

    private static final int TASK_WORDS = 8;
    private static final String HEAP = "320m";
    private static final Duration START = Duration.ofMinutes(2);
    private static final Duration SETTLE = Duration.ofSeconds(90);
    private static final Duration TAKEOVER = Duration.ofSeconds(30);
    /** How quickly a dead node is given up: Kafka's session timeout (the broker's minimum), heartbeat, downing. */
    private static final List<String> QUICK_FAILOVER =
            List.of("--cluster-session-timeout", "6", "--cluster-heartbeat", "2", "--cluster-down-after", "3");

    private Path dir;

    private EmbeddedKafka kafka;
    private String group;
    /** tenant → its case ids as a single node holding every tenant ranks them for {@link #QUERY}. */
    private final Map<String, List<String>> reference = new LinkedHashMap<>();

    private final List<Slot> slots = new ArrayList<>();

    @BeforeAll
    void brokerEventsAndTheSingleNodeReference(@TempDir Path dir) throws Exception {
        this.dir = dir;
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
        group = TestIds.unique("cluster3");
        List<String> tenants = produceTenants();

        NodeConfig single = NodeConfig.builder(dir.resolve("reference"))
                .bootstrapServers(kafka.bootstrapServers())
                .groupId(TestIds.unique("reference"))
                .httpPort(0)
                .allowAnonymous(true)
                .tuning(TuningSchedulerConfig.disabled())
                .build();
        try (EngramNode node = EngramNode.start(single);
                EngramClient client = client(List.of(URI.create(node.httpUrl())), Duration.ZERO)) {
            for (String tenant : tenants) {
                Await.until(
                        "the single node to hold tenant " + tenant + "'s " + CASES_PER_TENANT + " cases",
                        Duration.ofSeconds(60),
                        () -> ranked(client, tenant).size() == CASES_PER_TENANT);
                reference.put(tenant, ranked(client, tenant));
            }
        }
        for (List<String> ranked : reference.values()) {
            assertThat(ranked)
                    .as("the case with the query term most often ranks first, and so on")
                    .isSortedAccordingTo((a, b) -> b.compareTo(a));
        }
        for (int i = 1; i <= 4; i++) {
            slots.add(new Slot("node" + i, dir.resolve("node" + i), freePort(), freePort()));
        }
    }

    @AfterAll
    void stopEverything() {
        for (Slot slot : slots) {
            if (slot.child != null) {
                slot.child.close();
            }
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void everyNodeAnswersEveryTenantAsASingleNodeDoes() {
        start(slots.get(0));
        start(slots.get(1));
        start(slots.get(2));
        awaitSettled(live());
        awaitEveryTenantAsTheReference(live());

        for (Slot slot : live()) {
            assertThat(health(slot).cluster().ownedPartitions())
                    .as("%s owns some partitions, not all", slot.name)
                    .isNotEmpty()
                    .hasSizeLessThan(PARTITIONS);
        }
    }

    @Test
    @Order(2)
    void afterAKillEveryTenantIsAnsweredWithin30SecondsAndNothingIsLostOrDoubled() {
        awaitSettled(live());
        // The first node: the oldest member (it hosts the shard coordinator) and the SDK's first URL.
        Slot victim = slots.get(0);
        List<Integer> itsPartitions = health(victim).cluster().ownedPartitions();
        assertThat(itsPartitions).isNotEmpty();
        try (EngramClient sdk = client(urls(slots.subList(0, 3)), Duration.ZERO)) {
            victim.child.kill();
            victim.child = null;
            long killed = System.nanoTime();
            Await.until(
                    "every tenant answered through the SDK with all its cases within " + TAKEOVER + " of the kill",
                    TAKEOVER,
                    () -> reference.keySet().stream()
                            .allMatch(t -> reference.get(t).equals(ranked(sdk, t))),
                    () -> state(live()));
            System.out.printf(
                    "every tenant answered again %.1f s after the kill of a node owning partitions %s%n",
                    (System.nanoTime() - killed) / 1e9, itsPartitions);
        }
        awaitSettled(live());
        awaitEveryTenantAsTheReference(live());

        start(victim);
        awaitSettled(live());
        awaitEveryTenantAsTheReference(live());
    }

    @Test
    @Order(3)
    void aRollingRestartOfEveryNodeFailsNoRecallThroughTheSdk() throws Exception {
        awaitSettled(live());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<String> tenants = List.copyOf(reference.keySet());
        Thread agent = new Thread(
                () -> {
                    try (EngramClient sdk = client(urls(slots.subList(0, 3)), Duration.ofSeconds(30))) {
                        for (int i = 0; running.get(); i++) {
                            String tenant = tenants.get(i % tenants.size());
                            try {
                                sdk.recall(tenant, QUERY, 20);
                                answered.incrementAndGet();
                            } catch (RuntimeException e) {
                                failures.add(tenant + ": " + e);
                            }
                        }
                    }
                },
                "recalling-agent");
        agent.start();
        try {
            for (Slot slot : slots.subList(0, 3)) {
                int before = answered.get();
                slot.child.stop(Duration.ofSeconds(60));
                slot.child = null;
                start(slot);
                awaitSettled(live());
                Await.until(
                        "the agent's recalls to go on after " + slot.name + " restarted",
                        SETTLE,
                        () -> answered.get() > before + tenants.size());
            }
        } finally {
            running.set(false);
            agent.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertThat(failures)
                .as("recalls that failed from the SDK's point of view")
                .isEmpty();
        assertThat(answered.get()).isGreaterThan(3 * tenants.size());
        System.out.printf("rolling restart of 3 nodes: %d recalls answered, 0 failed%n", answered.get());
        awaitEveryTenantAsTheReference(live());
    }

    @Test
    @Order(4)
    void aJoiningNodeTakesPartitionsOverAndLosesNothing() {
        awaitSettled(live());
        Slot joining = slots.get(3);
        start(joining);
        awaitSettled(live());
        assertThat(live()).hasSize(4);
        List<Integer> taken = health(joining).cluster().ownedPartitions();
        assertThat(taken).as("the new node owns a partition").isNotEmpty();
        // Its index never held these partitions: it answers their tenants only after replaying them.
        awaitEveryTenantAsTheReference(live());
    }

    // ---- the cluster

    /** One node's place: its data directory and ports stay the same across restarts. */
    private static final class Slot {
        final String name;
        final Path data;
        final int httpPort;
        final int clusterPort;
        ChildNode child;

        Slot(String name, Path data, int httpPort, int clusterPort) {
            this.name = name;
            this.data = data;
            this.httpPort = httpPort;
            this.clusterPort = clusterPort;
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + httpPort);
        }
    }

    /** Starts {@code slot}'s node, joining the nodes that run now (or forming the cluster), and awaits it. */
    private void start(Slot slot) {
        List<String> args = new ArrayList<>(
                List.of("--allow-anonymous", "--max-batch", "100", "--cluster-port", String.valueOf(slot.clusterPort)));
        for (Slot other : live()) {
            args.add("--cluster-seed");
            args.add("127.0.0.1:" + other.clusterPort);
        }
        args.addAll(QUICK_FAILOVER);
        slot.child = ChildNode.serve(
                HEAP, slot.httpPort, kafka.bootstrapServers(), slot.data, group, args.toArray(String[]::new));
        slot.child.awaitReady(START);
    }

    private List<Slot> live() {
        return slots.stream().filter(s -> s.child != null).toList();
    }

    /**
     * Every live node sees all of them Up, each owns some partitions, together all of them once, and
     * every partition's shard is placed on its owner as every node sees it.
     */
    private void awaitSettled(List<Slot> nodes) {
        Await.until(
                nodes.size() + " nodes Up in one cluster with every partition owned once and placed on its owner",
                SETTLE,
                () -> settled(nodes),
                () -> state(nodes));
    }

    private boolean settled(List<Slot> nodes) {
        Map<Integer, String> owners = new LinkedHashMap<>();
        List<NodeHealth.Cluster> views = new ArrayList<>();
        for (Slot slot : nodes) {
            NodeHealth.Cluster view = healthOrNull(slot);
            if (view == null
                    || view.ownedPartitions().isEmpty()
                    || view.members().size() != nodes.size()
                    || !view.members().stream().allMatch(m -> m.endsWith(" Up"))) {
                return false;
            }
            for (int partition : view.ownedPartitions()) {
                if (owners.put(partition, view.self()) != null) {
                    return false;
                }
            }
            views.add(view);
        }
        if (owners.size() != PARTITIONS) {
            return false;
        }
        for (NodeHealth.Cluster view : views) {
            for (Map.Entry<Integer, String> owner : owners.entrySet()) {
                if (!owner.getValue().equals(view.partitionOwners().get(String.valueOf(owner.getKey())))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Every tenant, asked of every node on its own, is answered with the reference's cases in its order. */
    private void awaitEveryTenantAsTheReference(List<Slot> nodes) {
        for (Slot slot : nodes) {
            try (EngramClient client = client(List.of(slot.url()), Duration.ZERO)) {
                for (String tenant : reference.keySet()) {
                    Await.until(
                            slot.name + " to answer tenant " + tenant + " as the single node does",
                            SETTLE,
                            () -> reference.get(tenant).equals(ranked(client, tenant)),
                            () -> "got " + ranked(client, tenant) + ", want " + reference.get(tenant) + "\n"
                                    + state(nodes));
                }
            }
        }
    }

    private String state(List<Slot> nodes) {
        StringBuilder out = new StringBuilder();
        for (Slot slot : nodes) {
            out.append(slot.name).append(": ").append(healthOrNull(slot)).append('\n');
        }
        Slot last = nodes.isEmpty() ? slots.get(0) : nodes.get(nodes.size() - 1);
        if (last.child != null) {
            out.append(last.name).append("'s log:\n").append(last.child.logTail());
        }
        return out.toString();
    }

    private NodeHealth health(Slot slot) {
        try (EngramClient client = client(List.of(slot.url()), Duration.ZERO)) {
            return client.health();
        }
    }

    private NodeHealth.Cluster healthOrNull(Slot slot) {
        try {
            return health(slot).cluster();
        } catch (EngramApiException e) {
            return null;
        }
    }

    // ---- the tenants and their cases

    /** Two tenants per partition, {@value #CASES_PER_TENANT} cases each; returns the tenants. */
    private List<String> produceTenants() throws Exception {
        TenantPartitioner partitioner = new TenantPartitioner(PARTITIONS);
        Map<Integer, List<String>> byPartition = new LinkedHashMap<>();
        String prefix = TestIds.unique("cf");
        for (int i = 0;
                byPartition.values().stream().mapToInt(List::size).sum() < TENANTS_PER_PARTITION * PARTITIONS;
                i++) {
            String tenant = prefix + "-" + i;
            List<String> tenants = byPartition.computeIfAbsent(partitioner.partitionOf(tenant), p -> new ArrayList<>());
            if (tenants.size() < TENANTS_PER_PARTITION) {
                tenants.add(tenant);
            }
        }
        List<String> all = new ArrayList<>();
        Instant t = Instant.parse("2026-03-01T00:00:00Z");
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka.bootstrapServers())) {
            for (List<String> tenants : byPartition.values()) {
                for (String tenant : tenants) {
                    for (int c = 0; c < CASES_PER_TENANT; c++) {
                        String task = (QUERY + " ").repeat(c + 1) + "wing ".repeat(TASK_WORDS - c - 1);
                        FeedbackEvent event = FeedbackEvent.of(
                                tenant + "-case-" + c,
                                tenant,
                                "agent",
                                t.plusSeconds(c),
                                task.strip(),
                                "checked the spar",
                                "held",
                                0.9,
                                null);
                        producer.send(new ProducerRecord<>(Topics.FEEDBACK, tenant, EventCodec.encode(event)))
                                .get(30, TimeUnit.SECONDS);
                    }
                    all.add(tenant);
                }
            }
        }
        return all;
    }

    /** The case ids {@code client} answers for {@code tenant}, best first; empty when the call fails. */
    private static List<String> ranked(EngramClient client, String tenant) {
        try {
            return client.recall(tenant, QUERY, 20).ranked().stream()
                    .map(RecalledCase::caseId)
                    .toList();
        } catch (EngramApiException e) {
            return List.of();
        }
    }

    private static EngramClient client(List<URI> urls, Duration failoverFor) {
        return EngramClient.builder()
                .nodeUrls(urls)
                .failoverFor(failoverFor)
                .requestTimeout(Duration.ofSeconds(5))
                .agentId("cluster-test-agent")
                .build();
    }

    private static List<URI> urls(List<Slot> nodes) {
        return nodes.stream().map(Slot::url).toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
