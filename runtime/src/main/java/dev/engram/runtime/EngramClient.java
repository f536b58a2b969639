package dev.engram.runtime;

import dev.engram.runtime.internal.AdapterFollower;
import dev.engram.runtime.internal.FeedbackSender;
import dev.engram.runtime.internal.NodeFailover;
import dev.engram.runtime.internal.NodeHttp;
import dev.engram.runtime.internal.TrustStores;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EventLimits;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedWorkerKeys;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.KafkaException;

/**
 * Engram for an agent runtime: recall the useful past cases for a task, tell Engram how acting
 * went, and follow the adapters as Engram publishes them (the retriever's, and LoRA adapters for the
 * agents' own model, written as PEFT folders).
 *
 * <pre>{@code
 * try (EngramClient engram = EngramClient.builder()
 *         .nodeUrl(URI.create("http://localhost:8080"))
 *         .apiKey(System.getenv("ENGRAM_API_KEY"))
 *         .bootstrapServers("localhost:9092")
 *         .trustedWorkers(Path.of(".engram/worker/worker-key.pub"))   // for onAdapter
 *         .agentId("support-agent-7")
 *         .build();
 *      Subscription adapters = engram.onAdapter(a ->
 *         System.out.println("now serving " + a.adapterName() + " v" + a.version()))) {
 *
 *   String task = "customer says the parcel arrived damaged and wants a refund";
 *   RecallResponse recall = engram.recall("acme", task, 10);
 *   for (RecalledCase c : recall.positives()) {
 *     System.out.println("worked before: " + c.plan() + " -> " + c.outcome());
 *   }
 *   for (RecalledCase c : recall.negatives()) {
 *     System.out.println("did not work: " + c.plan() + " -> " + c.outcome());
 *   }
 *
 *   String plan = "asked for a photo, issued a refund";              // the agent acts (your LLM call)
 *   Feedback.Builder feedback = Feedback.forRecall(recall)
 *       .plan(plan).outcome("customer satisfied").reward(0.9);
 *   if (!recall.positives().isEmpty()) {
 *     feedback.useful(recall.positives().get(0).caseId(), true);    // judge what you used
 *   }
 *   String eventId = engram.feedback(feedback.build());              // on Kafka, acknowledged
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link #recall} calls the node's HTTP API ({@code POST /v1/tenants/{tenant}/recall}) with the
 *       client's {@link Builder#apiKey API key}; errors are {@link EngramApiException}s with the status
 *       and the node's message (401: no or a wrong key, 403: the key's role or tenants do not cover it).
 *       {@link #recall(String, String, int, RecallMode)} names the mode ({@code hybrid}, {@code bm25},
 *       {@code dense}).
 *   <li>{@link #health} reads the node's health: UP/DEGRADED/DOWN, stalled partitions, and the
 *       version each tenant is served by.
 *   <li>{@link #adapters} lists the node's adapters and pins, unpins or rolls one back.
 *   <li>{@link #admin} manages the node's API keys and reads its audit log.
 *   <li>{@link #operations} lists the dead letters and the training jobs.
 *   <li>{@link #feedback} writes a {@link FeedbackEvent} to {@link Topics#FEEDBACK} (or the tenant's own
 *       topic, {@link Builder#feedbackLayout}), keyed by tenant,
 *       and waits for Kafka's acknowledgement; resending the same {@link Feedback} is harmless (its
 *       event id is fixed). {@link #feedbackAsync} does not wait.
 *   <li>{@link #onAdapter} follows {@link Topics#ADAPTERS} in the background and delivers adapter
 *       versions whose files arrived complete and checksum-verified and that a worker key you trust
 *       ({@link Builder#trustedWorkers}) signed as a candidate for its adapter's own tenant; by
 *       default only those the node serves (see below).
 * </ul>
 *
 * <p><b>What {@code onAdapter} guarantees.</b> No version is delivered on its publisher's word:
 * the SDK checks the same signature a node checks (the worker's Ed25519 signature over the
 * version's identity, payload SHA-256 and metrics) and skips unsigned, untrusted, forged and
 * self-promoted records. It cannot run the gate itself (that needs the tenant's held-out tasks), so
 * it learns which versions the gate promoted from the node at {@code nodeUrl}: {@code GET
 * /v1/adapters}, asked every {@link Builder#adapterCheckInterval} while it holds a trusted version.
 * A version delivered as {@link AdapterStatus#PROMOTED} is therefore one a trusted worker made
 * (bit for bit) and that node serves now (its gate promoted it, or an operator pinned or rolled back
 * to it). The node's answer is trusted as its recalls are: across an untrusted network, reach the
 * node over TLS ({@code https://} and {@link Builder#trustStore}).
 *
 * <p>Only what is used needs configuring: the node's routes (recall, health, adapters, admin) need
 * {@code nodeUrl}, feedback needs {@code bootstrapServers}, {@link #onAdapter} needs both and the
 * trusted worker keys; the Kafka producer is made on first use. Thread-safe.
 *
 * <p>Against a cluster of nodes (any node answers any tenant), give several with {@link
 * Builder#nodeUrls}: a recall or health call that gets no answer or a 503 from one node (it is down,
 * or the tenant's partition is moving) is made on the next, and {@link Builder#failoverFor} keeps
 * trying them for a while, so a node's restart or death is a delay, not an error, for the agent.
 *
 * <p>On a secured cluster give the Kafka client properties (SASL, SSL) with
 * {@link Builder#kafkaProperties}; where the node reads per-tenant topics, send feedback there with
 * {@link Builder#feedbackLayout} ({@code engram.feedback.<tenant>}, which a prefixed ACL can limit
 * this agent's credentials to):
 *
 * <pre>{@code
 * EngramClient engram = EngramClient.builder()
 *     .bootstrapServers("kafka-1:9093")
 *     .kafkaProperties(KafkaConnection.load(Path.of("acme-agents.properties")))
 *     .feedbackLayout(FeedbackTopicLayout.PER_TENANT)
 *     .agentId("support-agent-7")
 *     .build();
 * }</pre>
 */
public final class EngramClient implements AutoCloseable {

    private final ClientSettings settings;
    private final KafkaConnection kafka;
    private final FeedbackSender feedback;
    private final NodeFailover nodes;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private boolean closed;

    private EngramClient(ClientSettings settings) {
        this.settings = settings;
        this.kafka = settings.kafka();
        this.feedback = new FeedbackSender(kafka, settings.feedbackLayout(), settings.sendTimeout());
        this.nodes = settings.nodeUrls().isEmpty()
                ? null
                : new NodeFailover(
                        settings.nodeUrls().stream()
                                .map(url ->
                                        new NodeHttp(url, settings.requestTimeout(), settings.apiKey(), settings.tls()))
                                .toList(),
                        settings.failoverFor());
    }

    /** A builder; {@link Builder#agentId} is required, the rest as needed. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The {@code k} most useful past cases of {@code tenant} for {@code task}, split into positives
     * and negatives, with the adapter version that served them, in the node's default mode (hybrid on
     * a node with an embedder, else BM25).
     *
     * @param k how many, in [1, 1000] (the node answers 400 with field {@code k} otherwise)
     * @throws EngramApiException when the node answers with an error (400 naming the field: a blank
     *     task, a {@code k} out of range) or cannot be reached
     * @throws InvalidRequestException for a tenant outside {@link EventLimits#TENANT_REGEX}
     */
    public RecallResponse recall(String tenant, String task, int k) {
        return recall(tenant, task, k, (RecallMode) null);
    }

    /**
     * As {@link #recall(String, String, int)}, searching in {@code mode}; the answer's
     * {@link RecallResponse#mode()} says the mode it ran in.
     *
     * <pre>{@code
     * RecallResponse dense = engram.recall("acme", "charged twice", 10, RecallMode.DENSE);
     * }</pre>
     *
     * @param mode {@code null} for the node's default; a vector mode on a node without an embedder is
     *     a 400 with field {@code mode}
     */
    public RecallResponse recall(String tenant, String task, int k, RecallMode mode) {
        NodeFailover node = nodes("recall");
        if (tenant == null || !EventLimits.TENANT_PATTERN.matcher(tenant).matches()) {
            throw new InvalidRequestException(
                    "tenant", "must match " + EventLimits.TENANT_REGEX + ", was '" + tenant + "'");
        }
        // The task, k and mode the node checks itself, and says which is wrong: the SDK keeps no second copy of its
        // rules.
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("task", task);
        body.put("k", k);
        if (mode != null) {
            body.put("mode", mode.wireName());
        }
        return node.call("POST", "/v1/tenants/" + tenant + "/recall", body, RecallResponse.class, 200);
    }

    /**
     * As {@link #recall(String, String, int, RecallMode)} with the mode by its name: {@code "hybrid"},
     * {@code "bm25"} or {@code "dense"} (case-insensitive); {@code null} for the node's default.
     *
     * @throws InvalidRequestException for any other name
     */
    public RecallResponse recall(String tenant, String task, int k, String mode) {
        return recall(tenant, task, k, mode == null ? null : RecallMode.parse(mode));
    }

    /**
     * The node's health ({@code GET /health}): UP, DEGRADED or DOWN, its stalled partitions and the
     * version each tenant is served by. A DOWN node answers 503 with its report, which is returned
     * too. Without an API key the node tells only the status.
     *
     * @throws EngramApiException when the node cannot be reached or answers with something else
     */
    public NodeHealth health() {
        return nodes("health").call("GET", "/health", null, NodeHealth.class, 200, 503);
    }

    /**
     * The node's adapters: list them, pin, unpin and roll back (a reader's key lists, an operator's
     * steers).
     *
     * @throws IllegalStateException when the client has no {@code nodeUrl}
     */
    public NodeAdapters adapters() {
        return new NodeAdapters(http("adapters"));
    }

    /**
     * Key management and the audit log of the node (an admin's or operator's calls, made with this
     * client's API key).
     *
     * @throws IllegalStateException when the client has no {@code nodeUrl}
     */
    public NodeAdmin admin() {
        return new NodeAdmin(http("admin"));
    }

    /**
     * The node's view of the stream's other side: dead letters and training jobs (a reader's calls,
     * made with this client's API key).
     *
     * @throws IllegalStateException when the client has no {@code nodeUrl}
     */
    public NodeOperations operations() {
        return new NodeOperations(http("operations"));
    }

    /**
     * Sends {@code feedback} and waits until Kafka has acknowledged it.
     *
     * @return its event id
     * @throws KafkaException when it could not be written within the send timeout
     */
    public String feedback(Feedback feedback) {
        Objects.requireNonNull(feedback, "feedback");
        return this.feedback.send(feedback.toEvent(settings.agentId()));
    }

    /**
     * Sends {@code feedback} without waiting; the future completes with its event id once Kafka has
     * acknowledged it, or exceptionally.
     */
    public CompletableFuture<String> feedbackAsync(Feedback feedback) {
        Objects.requireNonNull(feedback, "feedback");
        return this.feedback.sendAsync(feedback.toEvent(settings.agentId()));
    }

    /**
     * Follows the adapter versions the node serves: {@code listener} gets each version that a trusted
     * worker signed and that the node at {@code nodeUrl} starts to serve, as {@link AdapterStatus#PROMOTED}
     * with the node's reason, complete and verified, on a background thread, starting with those
     * already on the topic (the latest delivered for an adapter is the one the node serves).
     *
     * <p><b>Agent-model adapters</b> ({@link AdapterKind#AGENT_MODEL}: LoRA adapters for the agents' own
     * model) are delivered too when the client has a folder for them ({@link Builder#agentModelAdapters}):
     * each version a trusted worker signed whose plan-loss gate verdict (signed with it) promotes it,
     * as {@link AdapterStatus#PROMOTED}, after its PEFT folder ({@code adapter_config.json},
     * {@code adapter_model.safetensors}, byte for byte as published) was written to
     * {@link #agentModelFolder}. Nodes do not serve these, so they need no {@code nodeUrl}:
     *
     * <pre>{@code
     * engram.onAdapter(a -> {
     *     if (a.kind() == AdapterKind.AGENT_MODEL) {
     *         myServer.loadLora(a.adapterName(), engram.agentModelFolder(a));   // e.g. vLLM's /v1/load_lora_adapter
     *     }
     * });
     * }</pre>
     *
     * @throws IllegalStateException without {@code bootstrapServers} or trusted worker keys, or without
     *     both {@code nodeUrl} and {@link Builder#agentModelAdapters}
     */
    public Subscription onAdapter(Consumer<? super AdapterPublished> listener) {
        if (nodes == null && settings.agentModelAdapters() == null) {
            throw new IllegalStateException(
                    "onAdapter delivers the versions the node's gate promoted, which it asks the "
                            + "node for: build the client with nodeUrl(...) (or, for agent-model adapters only, "
                            + "with agentModelAdapters(DIR))");
        }
        return onAdapter(a -> a.status() == AdapterStatus.PROMOTED, listener);
    }

    /**
     * Follows adapter versions that pass {@code which}: every candidate a trusted worker signed, as
     * published ({@link AdapterStatus#CANDIDATE}), and, with {@code nodeUrl}, every version the node
     * starts to serve ({@link AdapterStatus#PROMOTED}), and every agent-model version whose gate
     * promoted it once its folder is written ({@link AdapterStatus#PROMOTED}); e.g. {@code a -> true} for both, or
     * {@code a -> a.tenant().equals("acme")}. Records that fail verification (missing or corrupted
     * chunks, a wrong checksum, no or an untrusted signature, a status set by the publisher) are
     * logged and skipped.
     *
     * @throws IllegalStateException without {@code bootstrapServers} or trusted worker keys
     */
    public synchronized Subscription onAdapter(
            Predicate<? super AdapterPublished> which, Consumer<? super AdapterPublished> listener) {
        requireOpen();
        if (kafka == null) {
            throw new IllegalStateException("onAdapter needs Kafka: build the client with bootstrapServers(...)");
        }
        if (settings.trustedWorkers().isEmpty()) {
            throw new IllegalStateException(
                    "onAdapter delivers only versions signed by worker keys you trust: build the "
                            + "client with trustedWorkers(...) (the workers' worker-key.pub files; locally .engram/worker/worker-key.pub)");
        }
        Subscription s = AdapterFollower.start(
                kafka,
                settings.trustedWorkers(),
                nodes == null ? null : nodes.preferred(),
                settings.agentModelAdapters(),
                settings.adapterCheckInterval(),
                Objects.requireNonNull(which, "which"),
                Objects.requireNonNull(listener, "listener"));
        subscriptions.add(s);
        return s;
    }

    /**
     * Where {@link #onAdapter} writes {@code adapter}'s PEFT folder:
     * {@code <agentModelAdapters>/<adapterName>/v<version>}. It holds the files once the version is
     * delivered as {@link AdapterStatus#PROMOTED}.
     *
     * @throws IllegalArgumentException for a retriever adapter
     * @throws IllegalStateException when the client has no {@link Builder#agentModelAdapters} folder
     */
    public Path agentModelFolder(AdapterPublished adapter) {
        if (adapter.kind() != AdapterKind.AGENT_MODEL) {
            throw new IllegalArgumentException(adapter.key() + " is a " + adapter.kind()
                    + " adapter: only agent-model adapters are written as folders by onAdapter");
        }
        if (settings.agentModelAdapters() == null) {
            throw new IllegalStateException(
                    "no folder for agent-model adapters: build the client with agentModelAdapters(DIR)");
        }
        return AdapterFollower.folder(settings.agentModelAdapters(), adapter);
    }

    /** Stops every subscription and closes the producer (after sending what is pending). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        subscriptions.forEach(Subscription::close);
        feedback.close();
    }

    @Override
    public String toString() {
        return "EngramClient[agent " + settings.agentId() + ", node " + (nodes == null ? null : urls(nodes.urls()))
                + ", kafka " + settings.bootstrapServers()
                + (nodes == null ? "" : ", " + (settings.apiKey() != null ? "with an API key" : "without an API key"))
                + "]";
    }

    private NodeHttp http(String what) {
        return nodes(what).preferred();
    }

    private NodeFailover nodes(String what) {
        if (nodes == null) {
            throw new IllegalStateException(
                    what + ": calls to the node need its URL; build the client with nodeUrl(...)");
        }
        return nodes;
    }

    private static String urls(List<URI> urls) {
        return urls.size() == 1 ? urls.get(0).toString() : urls.toString();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this EngramClient is closed");
        }
    }

    /** Configures an {@link EngramClient}. */
    public static final class Builder {

        private List<URI> nodeUrls = List.of();
        private Duration failoverFor = Duration.ZERO;
        private String bootstrapServers;
        private String agentId;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration sendTimeout = Duration.ofSeconds(30);
        private Map<String, String> kafkaProperties = Map.of();
        private FeedbackTopicLayout feedbackLayout = FeedbackTopicLayout.SHARED;
        private String apiKey;
        private TrustedWorkerKeys trustedWorkers = TrustedWorkerKeys.none();
        private Duration adapterCheckInterval = Duration.ofSeconds(2);
        private Path agentModelAdapters;
        private SSLContext tls;

        private Builder() {}

        /**
         * Whom to trust when the node serves TLS ({@code https://} node URLs): the certificates in a
         * PKCS12 trust store, e.g. the node's own certificate ({@code keytool -exportcert} from its
         * keystore, then {@code keytool -importcert -storetype PKCS12 -keystore trust.p12}) or its CA's.
         * Without it, the JDK's default trust (its CA certificates, or {@code -Djavax.net.ssl.trustStore}).
         *
         * <pre>{@code
         * EngramClient.builder().nodeUrl(URI.create("https://engram-1:7070"))
         *     .trustStore(Path.of("engram-trust.p12"), "changeit".toCharArray()) ...
         * }</pre>
         *
         * @throws IllegalArgumentException naming the file when it cannot be read with the password
         */
        public Builder trustStore(Path trustStore, char[] password) {
            this.tls = TrustStores.sslContext(Objects.requireNonNull(trustStore, "trustStore"), password);
            return this;
        }

        /** The TLS context of calls to the node, for what {@link #trustStore} does not cover (client certificates). */
        public Builder sslContext(SSLContext context) {
            this.tls = Objects.requireNonNull(context, "sslContext");
            return this;
        }

        /**
         * Kafka client properties (SASL, SSL...) for the feedback producer and the adapter follower,
         * laid over Engram's safe defaults, e.g. {@code KafkaConnection.load(Path.of("client.properties"))}.
         * None by default (plaintext).
         */
        public Builder kafkaProperties(Map<String, String> kafkaProperties) {
            this.kafkaProperties = kafkaProperties;
            return this;
        }

        /** Where feedback goes: {@code engram.feedback} (default) or the tenant's own topic. */
        public Builder feedbackLayout(FeedbackTopicLayout feedbackLayout) {
            this.feedbackLayout = feedbackLayout;
            return this;
        }

        /**
         * The API key sent with every call to the node ({@code Authorization: Bearer <key>}); a node
         * requires one unless it allows anonymous calls. A local node's admin key is in its data
         * directory ({@code .engram/admin.key}); {@code engram keys create} makes others.
         */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** The node's HTTP address, e.g. {@code http://localhost:8080}; needed for {@link #recall}. */
        public Builder nodeUrl(URI nodeUrl) {
            this.nodeUrls = nodeUrl == null ? List.of() : List.of(nodeUrl);
            return this;
        }

        /**
         * The HTTP addresses of several nodes of one cluster (every node answers every tenant): a
         * recall or health call that gets no answer or a 503 from one is made on the next, and the
         * node that answered is asked first from then on. Other calls (adapters, admin, operations)
         * go to that node. See {@link #failoverFor} for retrying when none answers.
         *
         * <pre>{@code
         * EngramClient.builder().nodeUrls(List.of(URI.create("http://engram-1:8080"), URI.create("http://engram-2:8080")))
         *     .failoverFor(Duration.ofSeconds(30)) ...
         * }</pre>
         */
        public Builder nodeUrls(List<URI> nodeUrls) {
            this.nodeUrls = nodeUrls == null ? null : new ArrayList<>(nodeUrls);
            return this;
        }

        /**
         * How long a recall or health call goes on trying the nodes, with pauses of up to a second,
         * when a pass over all of them got no answer or only 503s: enough to outlast a partition
         * moving (seconds) or a dead node's session timeout. Zero (the default): one pass, then the
         * last node's error.
         */
        public Builder failoverFor(Duration failoverFor) {
            this.failoverFor = failoverFor;
            return this;
        }

        /** Kafka's bootstrap servers, e.g. {@code localhost:9092}; needed for feedback and adapters. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** The worker keys whose signed adapter versions {@link EngramClient#onAdapter} delivers. */
        public Builder trustedWorkers(TrustedWorkerKeys trustedWorkers) {
            this.trustedWorkers = Objects.requireNonNull(trustedWorkers, "trustedWorkers");
            return this;
        }

        /**
         * The worker keys in a trusted-keys file (workers' {@code worker-key.pub} lines) or a directory
         * of {@code *.pub} files, as the nodes are given them.
         *
         * @throws IllegalArgumentException naming the file and line when it is missing or not keys
         */
        public Builder trustedWorkers(Path fileOrDir) {
            return trustedWorkers(TrustedWorkerKeys.load(Objects.requireNonNull(fileOrDir, "trustedWorkers")));
        }

        /**
         * Where {@link EngramClient#onAdapter} writes promoted agent-model adapters as PEFT folders,
         * one per version ({@code DIR/<adapterName>/v<version>}), for the agent runtime's model server
         * to load. None by default: agent-model adapters are then not delivered.
         */
        public Builder agentModelAdapters(Path dir) {
            this.agentModelAdapters =
                    Objects.requireNonNull(dir, "agentModelAdapters").toAbsolutePath();
            return this;
        }

        /** How often {@link EngramClient#onAdapter} asks the node which versions it serves (2 s). */
        public Builder adapterCheckInterval(Duration interval) {
            this.adapterCheckInterval = interval;
            return this;
        }

        /** Who is acting; written into every feedback event. Required. */
        public Builder agentId(String agentId) {
            this.agentId = agentId;
            return this;
        }

        /** Time limit of one HTTP call to the node (10 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /** How long {@link EngramClient#feedback} waits for Kafka's acknowledgement (30 s). */
        public Builder sendTimeout(Duration sendTimeout) {
            this.sendTimeout = sendTimeout;
            return this;
        }

        /**
         * The client.
         *
         * @throws IllegalArgumentException naming what is missing or wrong
         */
        public EngramClient build() {
            return new EngramClient(new ClientSettings(
                    nodeUrls,
                    failoverFor,
                    bootstrapServers,
                    kafkaProperties,
                    agentId,
                    requestTimeout,
                    sendTimeout,
                    feedbackLayout,
                    apiKey,
                    trustedWorkers,
                    adapterCheckInterval,
                    agentModelAdapters,
                    tls));
        }
    }
}
