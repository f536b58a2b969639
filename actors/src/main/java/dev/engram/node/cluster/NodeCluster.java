package dev.engram.node.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.engram.node.recall.RecallService;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.external.ExternalShardAllocation;
import org.apache.pekko.cluster.sharding.external.ExternalShardAllocationStrategy;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's part in a cluster of Engram nodes: joins it, shares which partitions of {@code
 * engram.feedback} this node owns ({@link #ownership()}, the consumer's rebalance listener), and
 * routes recalls to the owner of each tenant's partition ({@link #recalls}).
 *
 * <pre>{@code
 * ActorSystem<?> system = ActorSystem.create(behavior, "engram", NodeCluster.settings(PekkoSettings.node(), config));
 * NodeCluster cluster = NodeCluster.join(system, config, kafka);
 * consumer = new FeedbackConsumer(..., cluster.ownership());
 * RecallService recalls = cluster.recalls(recaller);
 * }</pre>
 *
 * <p>Placement: Cluster Sharding with one entity per partition ({@link PartitionEntity}) and external
 * shard allocation: the partition's shard goes to the node whose consumer Kafka assigned it to, as
 * pekko-connectors-kafka's cluster-sharding integration does (that connector does not run on Kafka 4
 * clients with Pekko 1.x). A member that stops leaves the cluster; one that dies is downed by the
 * split-brain resolver (keep-majority) after {@link ClusterConfig#downAfter()} of still membership.
 */
public final class NodeCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeCluster.class);

    /** Every node's actor system has this name: members of one cluster must share it. */
    public static final String SYSTEM_NAME = "engram";

    private static final Duration REFRESH = Duration.ofSeconds(1);

    private final ActorSystem<?> system;
    private final Cluster cluster;
    private final TenantPartitioner partitioner;
    private final PartitionOwnership ownership;
    private final Cancellable refresh;

    private NodeCluster(
            ActorSystem<?> system, Cluster cluster, TenantPartitioner partitioner, PartitionOwnership ownership) {
        this.system = system;
        this.cluster = cluster;
        this.partitioner = partitioner;
        this.ownership = ownership;
        this.refresh = system.scheduler()
                .scheduleWithFixedDelay(REFRESH, REFRESH, ownership::refresh, system.executionContext());
    }

    /**
     * The actor-system settings of a clustered node over {@code base}: the cluster provider on {@code
     * config}'s host and port, cluster messages as JSON, quick shard rebalancing, and the split-brain
     * resolver.
     */
    public static Config settings(Config base, ClusterConfig config) {
        if (!config.enabled()) {
            return base;
        }
        String text = String.join(
                "\n",
                "pekko.actor.provider = cluster",
                // Remoting's own JVM shutdown hook would cut the links to the other members the moment
                // the process is told to stop, before the node has left: the node closes itself.
                "pekko.jvm-shutdown-hooks = off",
                "pekko.actor.serialization-bindings { \"" + ClusterMessage.class.getName() + "\" = jackson-json }",
                "pekko.remote.artery.canonical.hostname = \"" + config.host() + "\"",
                "pekko.remote.artery.canonical.port = " + config.port(),
                "pekko.cluster.jmx.enabled = off",
                "pekko.cluster.log-info-verbose = off",
                "pekko.cluster.downing-provider-class = \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"",
                "pekko.cluster.split-brain-resolver.stable-after = "
                        + config.downAfter().toMillis() + "ms",
                // A moved partition's shard follows within about a second.
                "pekko.cluster.sharding.rebalance-interval = 1s",
                "pekko.cluster.sharding.external-shard-allocation-strategy.client-timeout = 5s");
        return ConfigFactory.parseString(text).withFallback(base);
    }

    /**
     * Joins the cluster ({@code config.seeds()}, or this node alone when there are none) and reads
     * the partition count of {@code engram.feedback}. Returns at once; membership settles in the
     * background.
     */
    public static NodeCluster join(ActorSystem<?> system, ClusterConfig config, KafkaConnection kafka) {
        Objects.requireNonNull(config, "config");
        if (!config.enabled()) {
            throw new IllegalArgumentException("clusterConfig is off: a node on its own has no NodeCluster");
        }
        Cluster cluster = Cluster.get(system);
        Address self = cluster.selfMember().address();
        List<Address> seeds = new ArrayList<>();
        for (String seed : config.seeds()) {
            int colon = seed.lastIndexOf(':');
            seeds.add(new Address(
                    self.protocol(),
                    SYSTEM_NAME,
                    seed.substring(0, colon),
                    Integer.parseInt(seed.substring(colon + 1))));
        }
        if (seeds.isEmpty()) {
            seeds.add(self);
        }
        cluster.manager().tell(new JoinSeedNodes(seeds));
        TenantPartitioner partitioner = new TenantPartitioner(feedbackPartitions(kafka));
        PartitionOwnership ownership = new PartitionOwnership(
                Topics.FEEDBACK, ExternalShardAllocation.get(system).getClient(PartitionEntity.TYPE.name()), self);
        log.info(
                "cluster node {} joining {} ({} partitions of {})",
                self,
                seeds,
                partitioner.partitions(),
                Topics.FEEDBACK);
        return new NodeCluster(system, cluster, partitioner, ownership);
    }

    /** The rebalance listener of the node's feedback consumer: it places the partitions Kafka assigns. */
    public PartitionOwnership ownership() {
        return ownership;
    }

    /**
     * Starts the partitions' entities on this node (recalling with {@code local}) and returns the
     * route every recall of the node's HTTP API takes.
     */
    public RecallService recalls(RecallService local) {
        ClusterSharding sharding = ClusterSharding.get(system);
        String self = selfAddress();
        sharding.init(Entity.of(
                        PartitionEntity.TYPE,
                        context -> PartitionEntity.create(
                                Integer.parseInt(context.getEntityId()), local, ownership::owns, self))
                .withAllocationStrategy(ExternalShardAllocationStrategy.create(
                        system, PartitionEntity.TYPE.name(), Duration.ofSeconds(5)))
                .withMessageExtractor(new PartitionExtractor()));
        return new ClusterRecall(local, sharding, partitioner, ownership, this::unreachable);
    }

    /**
     * Who holds {@code tenant}'s memory when it is not this node: empty when this node owns the
     * tenant's partition, else the owner's cluster address (or a sentence when no node owns it now).
     * For what reads this node's memory only, such as the playground.
     */
    public Optional<String> ownerElsewhere(String tenant) {
        int partition = partitioner.partitionOf(tenant);
        if (ownership.owns(partition)) {
            return Optional.empty();
        }
        String owner = ownership.owners().get(partition);
        return Optional.of(owner != null ? owner : "no node now (partition " + partition + " is moving)");
    }

    /** This node's cluster address, e.g. {@code pekko://engram@127.0.0.1:25520}. */
    public String selfAddress() {
        return cluster.selfMember().address().toString();
    }

    /** {@code host:port} of this node's cluster port: what another node gives as its seed. */
    public String seedAddress() {
        Address self = cluster.selfMember().address();
        return self.getHost().orElseThrow() + ":" + self.getPort().orElseThrow();
    }

    private boolean unreachable(String address) {
        for (Member member : cluster.state().getUnreachable()) {
            if (member.address().toString().equals(address)) {
                return true;
            }
        }
        return false;
    }

    /** How this node sees the cluster now. */
    public ClusterStatus status() {
        List<String> members = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
                .map(NodeCluster::describe)
                .sorted()
                .toList();
        Map<String, String> owners = new TreeMap<>();
        ownership.owners().forEach((partition, address) -> owners.put(String.valueOf(partition), address));
        return new ClusterStatus(selfAddress(), members, ownership.owned(), owners);
    }

    /** Stops refreshing; leaving the cluster is the actor system's coordinated shutdown. */
    @Override
    public void close() {
        refresh.cancel();
    }

    private static String describe(Member member) {
        return member.address() + " " + member.status();
    }

    private static int feedbackPartitions(KafkaConnection kafka) {
        try (Admin admin = Admin.create(KafkaClientFactory.adminConfig(kafka, Map.of()))) {
            return admin.describeTopics(List.of(Topics.FEEDBACK))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(Topics.FEEDBACK)
                    .partitions()
                    .size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the partitions of " + Topics.FEEDBACK, e);
        } catch (Exception e) {
            throw new IllegalStateException("could not read the partitions of " + Topics.FEEDBACK + ": " + e, e);
        }
    }

    /** Entity and shard are both the partition's number. */
    private static final class PartitionExtractor
            extends ShardingMessageExtractor<ShardingEnvelope<PartitionEntity.Command>, PartitionEntity.Command> {
        @Override
        public String entityId(ShardingEnvelope<PartitionEntity.Command> envelope) {
            return envelope.entityId();
        }

        @Override
        public String shardId(String entityId) {
            return entityId;
        }

        @Override
        public PartitionEntity.Command unwrapMessage(ShardingEnvelope<PartitionEntity.Command> envelope) {
            return envelope.message();
        }
    }
}
