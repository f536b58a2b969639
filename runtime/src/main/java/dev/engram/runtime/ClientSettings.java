package dev.engram.runtime;

import dev.engram.streams.EventLimits;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.TrustedWorkerKeys;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * What an {@link EngramClient} was built with, checked as a whole: {@link EngramClient.Builder}
 * gathers the settings one by one, this record refuses a combination that cannot work, naming the
 * setting. The defaults are the builder's, documented on its methods.
 *
 * @param bootstrapServers null when the client does not use Kafka
 * @param apiKey null when calls go without one
 * @param agentModelAdapters null when agent-model adapters are not delivered
 * @param tls null for the JDK's default trust
 * @throws IllegalArgumentException naming what is missing or wrong
 */
record ClientSettings(
        List<URI> nodeUrls,
        Duration failoverFor,
        String bootstrapServers,
        Map<String, String> kafkaProperties,
        String agentId,
        Duration requestTimeout,
        Duration sendTimeout,
        FeedbackTopicLayout feedbackLayout,
        String apiKey,
        TrustedWorkerKeys trustedWorkers,
        Duration adapterCheckInterval,
        Path agentModelAdapters,
        SSLContext tls) {

    ClientSettings {
        if (agentId == null || agentId.isBlank() || agentId.length() > EventLimits.MAX_ID_CHARS) {
            throw new IllegalArgumentException(
                    "agentId: required, 1-" + EventLimits.MAX_ID_CHARS + " characters, e.g. \"support-agent-7\"");
        }
        if (nodeUrls == null || nodeUrls.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("nodeUrls: must not be or hold null");
        }
        if (nodeUrls.isEmpty() && bootstrapServers == null) {
            throw new IllegalArgumentException("nodeUrl or bootstrapServers: at least one is required "
                    + "(nodeUrl for recall, bootstrapServers for feedback and adapters)");
        }
        for (URI nodeUrl : nodeUrls) {
            if (nodeUrl.getScheme() == null || !nodeUrl.getScheme().startsWith("http") || nodeUrl.getHost() == null) {
                throw new IllegalArgumentException(
                        "nodeUrl: must be an http(s) URL such as http://localhost:8080, was " + nodeUrl);
            }
        }
        if (failoverFor == null || failoverFor.isNegative()) {
            throw new IllegalArgumentException("failoverFor: must be zero or positive, was " + failoverFor);
        }
        if (apiKey != null && (apiKey.isBlank() || !apiKey.chars().allMatch(c -> c > ' ' && c < 127))) {
            throw new IllegalArgumentException("apiKey: must be the key as the node issued it (printable ASCII, no "
                    + "spaces), e.g. the content of .engram/admin.key");
        }
        if (bootstrapServers != null && bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers: must not be blank, e.g. \"localhost:9092\"");
        }
        if (kafkaProperties == null || feedbackLayout == null) {
            throw new IllegalArgumentException(
                    "kafkaProperties and feedbackLayout: must not be null (Map.of(), SHARED)");
        }
        if (!kafkaProperties.isEmpty()) {
            if (bootstrapServers == null) {
                throw new IllegalArgumentException("kafkaProperties: need bootstrapServers(...) too");
            }
            new KafkaConnection(bootstrapServers, kafkaProperties); // refuses Engram-owned keys, naming them
        }
        for (Duration d : Arrays.asList(requestTimeout, sendTimeout, adapterCheckInterval)) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("requestTimeout, sendTimeout and adapterCheckInterval: must be "
                        + "positive, were " + requestTimeout + ", " + sendTimeout + " and " + adapterCheckInterval);
            }
        }
        nodeUrls = List.copyOf(nodeUrls);
    }

    /** Without the API key's value: settings end up in logs. */
    @Override
    public String toString() {
        return "ClientSettings[nodeUrls=" + nodeUrls + ", failoverFor=" + failoverFor + ", bootstrapServers="
                + bootstrapServers + ", kafkaProperties=" + kafkaProperties.keySet() + ", agentId=" + agentId
                + ", requestTimeout=" + requestTimeout + ", sendTimeout=" + sendTimeout + ", feedbackLayout="
                + feedbackLayout + ", apiKey=" + (apiKey == null ? "none" : "(set)") + ", trustedWorkers="
                + trustedWorkers + ", adapterCheckInterval=" + adapterCheckInterval + ", agentModelAdapters="
                + agentModelAdapters + ", tls=" + (tls == null ? "default" : "custom") + "]";
    }

    /** The Kafka connection, or null when the client has no bootstrap servers. */
    KafkaConnection kafka() {
        return bootstrapServers == null ? null : new KafkaConnection(bootstrapServers, kafkaProperties);
    }
}
