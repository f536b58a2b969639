package dev.engram.broker.internal;

import dev.engram.broker.BrokerSecurity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The configuration of a single-node KRaft server (broker and controller in one process) for the
 * embedded default: one log directory, loopback listeners on free ports, every internal topic at
 * replication 1, and thread and buffer sizes for a small machine.
 *
 * @param nodeId the node id, also the only controller quorum voter
 * @param logDir the log directory (metadata log included)
 * @param brokerPort the client listener's port
 * @param controllerPort the controller listener's port
 * @param security plaintext, or SASL/SCRAM on the client listener with the standard authorizer
 * @param controllerSecret with SCRAM, the password of the controller listener's own principal
 *     (PLAIN, loopback, new at each start: both ends live in this process); else {@code null}
 */
public record KraftBrokerConfig(
        int nodeId, Path logDir, int brokerPort, int controllerPort, BrokerSecurity security, String controllerSecret) {

    /** The principal of the controller listener of a secured broker (a super user). */
    public static final String CONTROLLER_PRINCIPAL = "engram-controller";

    /** The secured client listener's name (also its security protocol). */
    public static final String SASL_LISTENER = "SASL_PLAINTEXT";

    /** Every listener binds to, and advertises, the loopback address. */
    public static final String HOST = "127.0.0.1";

    /** The controller listener's name, needed by the storage formatter too. */
    public static final String CONTROLLER_LISTENER = "CONTROLLER";

    /**
     * The log cleaner's dedupe buffer. Kafka's default (128 MiB) is allocated when the cleaner starts
     * and, on a small heap, an OutOfMemoryError there makes the broker halt the whole JVM.
     */
    public static final long CLEANER_DEDUPE_BUFFER_BYTES = 2L * 1024 * 1024;

    /** A plaintext config on two free loopback ports. */
    public static KraftBrokerConfig onFreePorts(int nodeId, Path logDir) {
        return onFreePorts(nodeId, logDir, BrokerSecurity.plaintext());
    }

    /** A config with {@code security} on two free loopback ports. */
    public static KraftBrokerConfig onFreePorts(int nodeId, Path logDir, BrokerSecurity security) {
        return new KraftBrokerConfig(
                nodeId, logDir, freePort(), freePort(), security, security.scram() ? newSecret() : null);
    }

    /**
     * A config with {@code security} whose client listener binds {@code brokerPort} (0: a free one);
     * the controller listener always takes a free port (the quorum is static, so it may move).
     */
    public static KraftBrokerConfig onPort(int nodeId, Path logDir, BrokerSecurity security, int brokerPort) {
        if (brokerPort < 0 || brokerPort > 65535) {
            throw new IllegalArgumentException("broker port must be in [0, 65535] (0: a free one), got " + brokerPort);
        }
        return new KraftBrokerConfig(
                nodeId,
                logDir,
                brokerPort == 0 ? freePort() : brokerPort,
                freePort(),
                security,
                security.scram() ? newSecret() : null);
    }

    /** The bootstrap address clients use. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    /** The server properties, for {@code new KafkaConfig(...)}. */
    public Properties toProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(nodeId));
        // Static quorum (kraft.version 0): the voter's address comes from this config on every start,
        // so the controller may move to a new free port across restarts of the same directory.
        p.put("controller.quorum.voters", nodeId + "@" + HOST + ":" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        if (security.scram()) {
            putSecuredListeners(p);
        } else {
            p.put(
                    "listeners",
                    "PLAINTEXT://" + HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + HOST + ":"
                            + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        }
        p.put("log.dirs", logDir.toAbsolutePath().toString());

        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");

        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(CLEANER_DEDUPE_BUFFER_BYTES));
        p.put("log.cleaner.threads", "1");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("num.replica.fetchers", "1");
        // The adapters topic takes 8 MiB messages; let the broker's own limit allow them everywhere.
        p.put("message.max.bytes", String.valueOf(8 * 1024 * 1024));
        return p;
    }

    /**
     * Clients (and the broker itself) authenticate with SCRAM-SHA-256 on the client listener; the
     * controller listener uses PLAIN with a principal of its own, so that no unauthenticated
     * connection reaches either. Every request is authorized by the standard authorizer; without an
     * ACL nothing is allowed; the admin user and the controller's principal are super users.
     */
    private void putSecuredListeners(Properties p) {
        String client = SASL_LISTENER.toLowerCase(java.util.Locale.ROOT);
        String controller = CONTROLLER_LISTENER.toLowerCase(java.util.Locale.ROOT);
        p.put(
                "listeners",
                SASL_LISTENER + "://" + HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + HOST + ":"
                        + controllerPort);
        p.put("advertised.listeners", SASL_LISTENER + "://" + HOST + ":" + brokerPort);
        p.put("inter.broker.listener.name", SASL_LISTENER);
        p.put(
                "listener.security.protocol.map",
                SASL_LISTENER + ":SASL_PLAINTEXT," + CONTROLLER_LISTENER + ":SASL_PLAINTEXT");
        p.put("sasl.enabled.mechanisms", BrokerSecurity.SCRAM_MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", BrokerSecurity.SCRAM_MECHANISM);
        p.put("listener.name." + client + ".sasl.enabled.mechanisms", BrokerSecurity.SCRAM_MECHANISM);
        p.put(
                "listener.name." + client + "." + BrokerSecurity.SCRAM_MECHANISM.toLowerCase(java.util.Locale.ROOT)
                        + ".sasl.jaas.config",
                SaslJaas.scram(security.adminUser(), security.adminPassword()));
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name." + controller + ".sasl.enabled.mechanisms", "PLAIN");
        p.put(
                "listener.name." + controller + ".plain.sasl.jaas.config",
                SaslJaas.plainSelf(CONTROLLER_PRINCIPAL, controllerSecret));
        p.put("authorizer.class.name", BrokerSecurity.AUTHORIZER);
        p.put("allow.everyone.if.no.acl.found", "false");
        p.put("super.users", "User:" + security.adminUser() + ";User:" + CONTROLLER_PRINCIPAL);
    }

    /** The SCRAM credential the storage formatter writes for the admin user. */
    public java.util.List<String> scramFormatArguments() {
        if (!security.scram()) {
            return java.util.List.of();
        }
        return java.util.List.of(BrokerSecurity.SCRAM_MECHANISM + "=[name=" + security.adminUser() + ",password="
                + security.adminPassword() + "]");
    }

    private static String newSecret() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    @Override
    public String toString() {
        return "KraftBrokerConfig[node " + nodeId + ", " + logDir + ", broker " + brokerPort + ", controller "
                + controllerPort + ", " + security + "]";
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free port on " + HOST, e);
        }
    }
}
