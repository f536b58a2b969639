package dev.engram.broker.internal;

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
 */
public record KraftBrokerConfig(int nodeId, Path logDir, int brokerPort, int controllerPort) {

  /** Every listener binds to, and advertises, the loopback address. */
  public static final String HOST = "127.0.0.1";

  /** The controller listener's name, needed by the storage formatter too. */
  public static final String CONTROLLER_LISTENER = "CONTROLLER";

  /**
   * The log cleaner's dedupe buffer. Kafka's default (128 MiB) is allocated when the cleaner starts
   * and, on a small heap, an OutOfMemoryError there makes the broker halt the whole JVM.
   */
  public static final long CLEANER_DEDUPE_BUFFER_BYTES = 2L * 1024 * 1024;

  /** A config on two free loopback ports. */
  public static KraftBrokerConfig onFreePorts(int nodeId, Path logDir) {
    return new KraftBrokerConfig(nodeId, logDir, freePort(), freePort());
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
    p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
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

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("could not find a free port on " + HOST, e);
    }
  }
}
