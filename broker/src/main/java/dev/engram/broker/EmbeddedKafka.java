package dev.engram.broker;

import dev.engram.broker.internal.DataDirectoryLock;
import dev.engram.broker.internal.KraftBrokerConfig;
import dev.engram.broker.internal.TemporaryDirectory;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Kafka (KRaft broker and controller in one) running inside this JVM: the
 * local default of {@code engram serve} and {@code engram demo}, and what the tests use.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(".engram/kafka"))) {
 *   TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
 *   // produce and consume with KafkaClientFactory
 * }
 * }</pre>
 *
 * <p>{@link #start(Path)} keeps its data in the given directory: the directory is formatted on
 * first use only (when it has no {@code meta.properties}); later starts reuse it, with the same
 * cluster id, topics, records and committed offsets. {@link #startTemporary()} uses a fresh
 * directory that {@link #close()} deletes. Listeners bind to free loopback ports picked at each
 * start, so {@link #bootstrapServers()} may change across a close and a new start, unless
 * {@link #start(Path, int)} fixes the client port; {@link #restart()} keeps the ports (and the
 * directory), so running clients reconnect to the same address by themselves. Start-up takes a few
 * seconds.
 * One broker at a time may use a directory: a lock file ({@code engram-broker.lock}) refuses a
 * second one, in this process or another, before it can disturb the first.
 *
 * <p><b>Security.</b> By default ({@link BrokerSecurity#plaintext()}) the broker authenticates no
 * one: the local default. {@link #start(Path, BrokerSecurity)} with {@link BrokerSecurity#scram}
 * runs it with SASL/SCRAM-SHA-256 and Kafka's {@code StandardAuthorizer}: clients authenticate
 * ({@link #connectionAs}), every request needs an ACL, the admin user is the super user
 * ({@link #connection()}), users are added with {@link #createUser}. A data directory keeps the
 * security it was formatted with (the admin's credential is written then); starting it with another
 * is refused.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary(BrokerSecurity.scram("admin", "admin-secret"))) {
 *   TopicAdmin.ensureTopics(kafka.connection(), Topics.all());
 *   kafka.createUser("acme-agents", "acme-secret");
 *   try (var producer = KafkaClientFactory.producer(kafka.connectionAs("acme-agents", "acme-secret"))) { ... }
 * }
 * }</pre>
 *
 * <p>The broker is sized for a small machine (2 network and 2 I/O threads, a 2 MiB log-cleaner
 * buffer: Kafka's 128 MiB default can exhaust a small heap, and the broker then halts the JVM),
 * with every internal topic at replication 1. It accepts messages up to 8 MiB.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** The node id of the single broker and controller. */
    public static final int NODE_ID = 1;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String META_PROPERTIES = "meta.properties";
    /** Records the security a directory was formatted with. */
    private static final String SECURITY_MARKER = "engram-security";

    private static final int START_ATTEMPTS = 3;

    /** How long {@link #restart()} tries to bind the ports the broker just released. */
    private static final long RESTART_BIND_MILLIS = 30_000;

    private volatile KafkaRaftServer server;
    private final DataDirectoryLock lock;
    private final KraftBrokerConfig config;
    private final String clusterId;
    private final boolean temporary;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(
            KafkaRaftServer server,
            DataDirectoryLock lock,
            KraftBrokerConfig config,
            String clusterId,
            boolean temporary) {
        this.server = server;
        this.lock = lock;
        this.config = config;
        this.clusterId = clusterId;
        this.temporary = temporary;
    }

    /**
     * Starts a broker whose data lives in {@code dataDir} (created if missing) and survives
     * {@link #close()}: starting again on the same directory brings back the same cluster.
     *
     * @throws IllegalStateException when the broker does not start, e.g. because another broker
     *     holds the directory
     */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, BrokerSecurity.plaintext());
    }

    /**
     * As {@link #start(Path)}, with {@code security}.
     *
     * @throws IllegalStateException also when the directory was formatted with another security
     */
    public static EmbeddedKafka start(Path dataDir, BrokerSecurity security) {
        return start(dataDir.toAbsolutePath(), security, 0, false);
    }

    /**
     * As {@link #start(Path)}, with clients connecting on {@code port} of the loopback address (0: a
     * free one), so that the bootstrap address stays the same across restarts: what a broker shared
     * by several nodes and workers needs ({@code engram broker}).
     *
     * @throws IllegalStateException also when {@code port} is taken
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535] (0: a free one), got " + port);
        }
        return start(dataDir.toAbsolutePath(), BrokerSecurity.plaintext(), port, false);
    }

    /** Starts a broker on a new temporary directory, which {@link #close()} deletes. */
    public static EmbeddedKafka startTemporary() {
        return startTemporary(BrokerSecurity.plaintext());
    }

    /** As {@link #startTemporary()}, with {@code security}. */
    public static EmbeddedKafka startTemporary(BrokerSecurity security) {
        Path dir = TemporaryDirectory.create("engram-kafka-");
        try {
            return start(dir, security, 0, true);
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
    }

    /** Where clients connect, e.g. {@code "127.0.0.1:41235"}. */
    public String bootstrapServers() {
        return config.bootstrapServers();
    }

    /** The broker's security. */
    public BrokerSecurity security() {
        return config.security();
    }

    /**
     * How a client with every right connects: plaintext, or the admin user (the super user) of a
     * secured broker.
     */
    public KafkaConnection connection() {
        BrokerSecurity security = config.security();
        return security.scram()
                ? connectionAs(security.adminUser(), security.adminPassword())
                : KafkaConnection.of(bootstrapServers());
    }

    /** How {@code user} connects to a secured broker (SASL/SCRAM); plaintext on a plaintext one. */
    public KafkaConnection connectionAs(String user, String password) {
        return new KafkaConnection(bootstrapServers(), config.security().clientProperties(user, password));
    }

    /**
     * Adds (or changes) a SCRAM-SHA-256 user of a secured broker and returns once the broker
     * authenticates it. What it may do is up to ACLs ({@code Admin.createAcls}); without any, nothing.
     *
     * @throws IllegalStateException on a plaintext broker, or when the user is not there within 30 s
     */
    public void createUser(String user, String password) {
        if (!config.security().scram()) {
            throw new IllegalStateException("createUser needs a broker started with BrokerSecurity.scram(...)");
        }
        try (Admin admin = Admin.create(KafkaClientFactory.adminConfig(connection(), Map.of()))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // The credential reaches the broker with the metadata, a moment after the controller took it.
            while (!admin.describeUserScramCredentials(List.of(user))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .containsKey(user)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("user " + user + " not known to the broker within 30 s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            awaitLogin(user, password, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating user " + user, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create user " + user + " on " + this + ": " + e, e);
        }
        LOG.info("SCRAM user {} created on {}", user, bootstrapServers());
    }

    /**
     * Waits until the user can log in: the broker answers a describe from its metadata image a moment
     * before the credential reaches the cache that authenticates logins.
     */
    private void awaitLogin(String user, String password, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        while (true) {
            try (Admin asUser = Admin.create(KafkaClientFactory.adminConfig(connectionAs(user, password), Map.of()))) {
                asUser.listTopics().names().get(30, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof SaslAuthenticationException) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** The cluster id: the same on every start from the same directory. */
    public String clusterId() {
        return clusterId;
    }

    /** The directory that holds the broker's logs and metadata. */
    public Path dataDir() {
        return config.logDir();
    }

    /**
     * Stops the broker cleanly and starts it again on the same directory and the same ports, as an
     * operator's restart would: clients keep their bootstrap address, see their connections drop, and
     * reconnect by themselves; records, topics and committed offsets are all there afterwards.
     * Returns once the broker is up again.
     *
     * <pre>{@code
     * String before = kafka.bootstrapServers();
     * kafka.restart();
     * assert kafka.bootstrapServers().equals(before);
     * }</pre>
     *
     * @throws IllegalStateException when the broker is closed, or does not come back (e.g. another
     *     process took one of its ports while it was down)
     */
    public synchronized void restart() {
        if (closed.get()) {
            throw new IllegalStateException("cannot restart a closed broker: " + this);
        }
        long started = System.nanoTime();
        server.shutdown();
        server.awaitShutdown();
        long deadline = System.currentTimeMillis() + RESTART_BIND_MILLIS;
        while (true) {
            KafkaRaftServer restarted = new KafkaRaftServer(new KafkaConfig(config.toProperties(), false), Time.SYSTEM);
            try {
                restarted.startup();
                server = restarted;
                break;
            } catch (RuntimeException e) {
                stopQuietly(restarted);
                // The released ports can linger a moment (a closing connection); anything else is final.
                if (!hasCause(e, BindException.class) || System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(
                            "Embedded Kafka on " + config.logDir() + " did not come back on " + bootstrapServers()
                                    + " after a restart: " + e.getMessage(),
                            e);
                }
                LOG.warn("Embedded Kafka could not bind its ports again yet ({}); retrying", e.getMessage());
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
        }
        LOG.info(
                "Embedded Kafka restarted on {} (cluster {}) in {} ms",
                bootstrapServers(),
                clusterId,
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Shuts the broker down cleanly and waits until it has stopped (logs flushed, ports closed);
     * deletes the directory if it was temporary. Calling it again does nothing.
     */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long started = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            lock.close();
            if (temporary) {
                deleteQuietly(config.logDir());
            }
        }
        LOG.info(
                "Embedded Kafka on {} stopped in {} ms", bootstrapServers(), (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers() + ", cluster " + clusterId + ", " + config.logDir()
                + (closed.get() ? ", closed" : "") + "]";
    }

    private static EmbeddedKafka start(Path dir, BrokerSecurity security, int port, boolean temporary) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the Kafka data directory " + dir, e);
        }
        DataDirectoryLock lock = DataDirectoryLock.acquire(dir);
        try {
            return start(dir, lock, security, port, temporary);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static EmbeddedKafka start(
            Path dir, DataDirectoryLock lock, BrokerSecurity security, int port, boolean temporary) {
        long started = System.nanoTime();
        if (port != 0) {
            requireFree(port);
        }
        for (int attempt = 1; ; attempt++) {
            KraftBrokerConfig config = KraftBrokerConfig.onPort(NODE_ID, dir, security, port);
            KafkaConfig kafkaConfig = new KafkaConfig(config.toProperties(), false);
            String clusterId = formatIfNeeded(kafkaConfig, config, dir);
            KafkaRaftServer server = null;
            try {
                server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
                server.startup();
            } catch (RuntimeException e) {
                if (server != null) {
                    stopQuietly(server);
                }
                // A free port can be taken by someone else between picking it and binding it: try others.
                if (hasCause(e, BindException.class) && attempt < START_ATTEMPTS) {
                    LOG.warn("Embedded Kafka could not bind its ports ({}); retrying on others", e.getMessage());
                    continue;
                }
                throw new IllegalStateException("Embedded Kafka failed to start on " + dir + ": " + e.getMessage(), e);
            }
            LOG.info(
                    "Embedded Kafka started on {} (cluster {}, data in {}, {}) in {} ms",
                    config.bootstrapServers(),
                    clusterId,
                    dir,
                    security,
                    (System.nanoTime() - started) / 1_000_000);
            return new EmbeddedKafka(server, lock, config, clusterId, temporary);
        }
    }

    /** Formats {@code dir} unless it already holds a cluster; returns the cluster id either way. */
    private static String formatIfNeeded(KafkaConfig kafkaConfig, KraftBrokerConfig config, Path dir) {
        Path meta = dir.resolve(META_PROPERTIES);
        Path marker = dir.resolve(SECURITY_MARKER);
        String wanted = config.security().marker();
        if (Files.exists(meta)) {
            String formatted = readMarker(marker);
            if (!formatted.equals(wanted)) {
                throw new IllegalStateException("the Kafka data directory " + dir + " was formatted as '" + formatted
                        + "' and cannot start as '" + wanted
                        + "' (its users and ACLs live in its metadata); use another "
                        + "directory or the security it was made with");
            }
            return readClusterId(meta);
        }
        String clusterId = Uuid.randomUuid().toString();
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setControllerListenerName(KraftBrokerConfig.CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(kafkaConfig.metadataLogDir())
                    .setScramArguments(config.scramFormatArguments())
                    .addDirectory(dir.toString())
                    .run();
            Files.writeString(marker, wanted, StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "could not format the Kafka data directory " + dir + ": " + e.getMessage(), e);
        }
        LOG.info("Formatted new Kafka data directory {} (cluster {})", dir, clusterId);
        return clusterId;
    }

    /** A directory formatted before the marker existed is a plaintext one. */
    private static String readMarker(Path marker) {
        try {
            return Files.exists(marker)
                    ? Files.readString(marker, StandardCharsets.UTF_8).trim()
                    : "plaintext";
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + marker, e);
        }
    }

    private static String readClusterId(Path meta) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + meta, e);
        }
        String clusterId = properties.getProperty("cluster.id");
        if (clusterId == null || clusterId.isBlank()) {
            throw new IllegalStateException(meta + " has no cluster.id: the directory is not a KRaft "
                    + "data directory; point Engram at an empty or Engram-made one");
        }
        return clusterId;
    }

    /** A clear error before Kafka's own, which names neither the port nor what to do. */
    private static void requireFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(KraftBrokerConfig.HOST, port));
        } catch (IOException e) {
            throw new IllegalStateException("Embedded Kafka cannot listen on " + KraftBrokerConfig.HOST + ":" + port
                    + ": " + e.getMessage() + " (another broker there? pick another port, or 0 for a free one)");
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static void stopQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.debug("Ignoring failure while stopping a broker that failed to start", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            TemporaryDirectory.delete(dir);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete the temporary Kafka directory {}: {}", dir, e.getMessage());
        }
    }
}
