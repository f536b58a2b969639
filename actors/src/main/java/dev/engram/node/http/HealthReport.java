package dev.engram.node.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The body of {@code GET /health} (200 when {@code status} is {@code "UP"}, else 503).
 *
 * @param status {@code "UP"} or {@code "DOWN"}
 * @param consumer the feedback consumer's state ({@code RUNNING}, {@code FAILED}, ...)
 * @param assignedPartitions the feedback partitions this node consumes now
 * @param recallMode {@code "bm25"} or {@code "hybrid"}
 * @param adapterVersion the retriever adapter recall runs with
 * @param bootstrapServers the Kafka cluster the node talks to
 * @param consumerError why the consumer is restarting, when it is; else absent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthReport(
        String status,
        String consumer,
        List<String> assignedPartitions,
        String recallMode,
        String adapterVersion,
        String bootstrapServers,
        String consumerError) {

    public boolean up() {
        return "UP".equals(status);
    }
}
