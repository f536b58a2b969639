package dev.engram.node.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate's decisions that it measured itself, kept in {@code <adapters dir>/gate-verdicts.jsonl}
 * by adapter name, version and payload hash. A measured verdict depends on the node's data at the
 * time (held-out tasks, cases), so replaying {@code engram.adapters} after a restart must not measure
 * again and possibly decide otherwise: the recorded verdict stands. The same file keeps the
 * canary's verdicts (keys starting {@code canary:}; replaying does not embed the probes again) and
 * versions that failed while serving (rejected, so a restart does not serve them again).
 */
final class GateVerdicts {

    private static final Logger log = LoggerFactory.getLogger(GateVerdicts.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<String, PromotionGate.Decision> decisions = new HashMap<>();

    GateVerdicts(Path dir) {
        this.file = dir.resolve("gate-verdicts.jsonl");
        if (Files.exists(file)) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        JsonNode n = JSON.readTree(line);
                        decisions.put(
                                n.path("key").asText(),
                                new PromotionGate.Decision(
                                        n.path("promoted").asBoolean(),
                                        n.path("reason").asText()));
                    } catch (IOException | RuntimeException e) {
                        log.warn("skipping an unreadable gate verdict in {} ({})", file, e.toString());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file, e);
            }
        }
    }

    static String key(String adapterName, long version, String payloadSha256) {
        return adapterName + "/v" + version + "/" + payloadSha256;
    }

    synchronized Optional<PromotionGate.Decision> get(String key) {
        return Optional.ofNullable(decisions.get(key));
    }

    /** Records a verdict that a restart must find: written through to the disk before this returns. */
    void put(String key, PromotionGate.Decision decision) {
        put(key, decision, true);
    }

    /**
     * Records a verdict that a restart may as well reach again, such as the canary's: the line goes
     * to the file without waiting for the disk (a few ms on a swap's path, tens under load), so a
     * crash of the machine may lose it and the check then runs again on replay.
     */
    void putRecomputable(String key, PromotionGate.Decision decision) {
        put(key, decision, false);
    }

    private synchronized void put(String key, PromotionGate.Decision decision, boolean durable) {
        decisions.put(key, decision);
        try {
            Files.createDirectories(file.getParent());
            String line = JSON.createObjectNode()
                            .put("key", key)
                            .put("promoted", decision.promoted())
                            .put("reason", decision.reason())
                            .toString()
                    + "\n";
            if (durable) {
                Files.writeString(
                        file,
                        line,
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND,
                        StandardOpenOption.SYNC);
            } else {
                Files.writeString(
                        file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            log.warn("could not record the gate's verdict on {} ({}); a restart measures it again", key, e.toString());
        }
    }
}
