package dev.engram.broker;

import dev.engram.broker.internal.SaslJaas;
import java.util.Map;
import java.util.Objects;

/**
 * How an {@link EmbeddedKafka} authenticates and authorizes its clients.
 *
 * <ul>
 *   <li>{@link #plaintext()} (the local default): no authentication, no authorizer; anyone who
 *       reaches the loopback port may do anything.
 *   <li>{@link #scram(String, String)}: the client listener speaks SASL/SCRAM-SHA-256 (over plain
 *       TCP on loopback: use TLS on a real cluster), Kafka's {@code StandardAuthorizer} checks every
 *       request against the ACLs, nothing is allowed without one, and {@code adminUser} is the one
 *       super user. Its credential is written when the data directory is formatted; other users are
 *       added with {@link EmbeddedKafka#createUser(String, String)}, their rights with ACLs.
 * </ul>
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary(BrokerSecurity.scram("admin", "admin-secret"))) {
 *   kafka.createUser("acme-agents", "acme-secret");
 *   KafkaConnection acme = kafka.connectionAs("acme-agents", "acme-secret");
 *   // grant acme-agents WRITE on the prefix engram.feedback.acme with Admin.createAcls(...)
 * }
 * }</pre>
 *
 * @param scram whether clients authenticate with SCRAM and ACLs apply
 * @param adminUser the super user ({@code null} for plaintext)
 * @param adminPassword its password ({@code null} for plaintext)
 */
public record BrokerSecurity(boolean scram, String adminUser, String adminPassword) {

    /** The SASL mechanism of the secured client listener. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-256";

    /** Kafka's standard KRaft authorizer, which keeps ACLs in the cluster metadata. */
    public static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    public BrokerSecurity {
        if (scram) {
            if (adminUser == null || !adminUser.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException(
                        "brokerSecurity.adminUser: 1-64 of [A-Za-z0-9._-], was " + adminUser);
            }
            // The storage formatter reads it inside "SCRAM-SHA-256=[name=...,password=...]".
            if (adminPassword == null || !adminPassword.matches("[^,\\[\\]\"=\\s]{8,}")) {
                throw new IllegalArgumentException(
                        "brokerSecurity.adminPassword: at least 8 characters, none of , [ ] \" =" + " or white space");
            }
        } else if (adminUser != null || adminPassword != null) {
            throw new IllegalArgumentException("brokerSecurity: a plaintext broker has no admin user");
        }
    }

    /** No authentication, no ACLs: the local default. */
    public static BrokerSecurity plaintext() {
        return new BrokerSecurity(false, null, null);
    }

    /** SASL/SCRAM-SHA-256 with ACLs, {@code adminUser} the super user. */
    public static BrokerSecurity scram(String adminUser, String adminPassword) {
        return new BrokerSecurity(true, adminUser, adminPassword);
    }

    /** The client properties with which {@code user} authenticates to such a broker; none for plaintext. */
    public Map<String, String> clientProperties(String user, String password) {
        if (!scram) {
            return Map.of();
        }
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        return Map.of(
                "security.protocol",
                "SASL_PLAINTEXT",
                "sasl.mechanism",
                SCRAM_MECHANISM,
                "sasl.jaas.config",
                SaslJaas.scram(user, password));
    }

    /** What the data directory records of this security (to refuse a start with a different one). */
    String marker() {
        return scram ? "scram admin=" + adminUser : "plaintext";
    }

    @Override
    public String toString() {
        return scram
                ? "BrokerSecurity[SASL/" + SCRAM_MECHANISM + ", ACLs, admin " + adminUser + "]"
                : "BrokerSecurity[plaintext]";
    }
}
