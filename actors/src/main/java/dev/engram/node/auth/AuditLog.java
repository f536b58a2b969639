package dev.engram.node.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's record of operator actions: one JSON {@link AuditEntry} per line in
 * {@code DATA/audit.jsonl} (owner-only), each line forced to disk before the action is answered.
 * Entries are only ever appended. A line a crash cut short is skipped when reading.
 *
 * <pre>{@code
 * AuditLog audit = AuditLog.open(dataDir);
 * audit.record(new AuditEntry(now, "alice", Role.OPERATOR, AuditEntry.ADAPTER_PIN, "acme-retriever", "acme",
 *         "v4 regressed", "version 3"));
 * audit.latest(100, e -> true);
 * }</pre>
 */
public final class AuditLog {

    /** The file in the data directory. */
    public static final String FILE = "audit.jsonl";

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;

    private AuditLog(Path file) {
        this.file = file;
    }

    /** The audit log in {@code dataDir} (created on the first entry). */
    public static AuditLog open(Path dataDir) {
        return new AuditLog(Objects.requireNonNull(dataDir, "dataDir").resolve(FILE));
    }

    /** Appends {@code entry} and forces it to disk; throws {@link UncheckedIOException} when it cannot. */
    public synchronized void record(AuditEntry entry) {
        try {
            OwnerOnlyFiles.appendLine(file, JSON.writeValueAsString(Objects.requireNonNull(entry, "entry")));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the audit entry " + entry + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the audit log " + file + ": " + e.getMessage(), e);
        }
    }

    /** The newest {@code limit} entries that pass {@code which}, oldest first. */
    public synchronized List<AuditEntry> latest(int limit, Predicate<? super AuditEntry> which) {
        if (limit < 1 || !Files.exists(file)) {
            return List.of();
        }
        Deque<AuditEntry> kept = new ArrayDeque<>(Math.min(limit, 1024));
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                AuditEntry entry;
                try {
                    entry = JSON.readValue(line, AuditEntry.class);
                } catch (IOException | RuntimeException e) {
                    log.warn(
                            "audit log {} line {} is not an entry (cut short by a crash?): {}",
                            file,
                            number,
                            e.getMessage());
                    continue;
                }
                if (which.test(entry)) {
                    if (kept.size() == limit) {
                        kept.removeFirst();
                    }
                    kept.addLast(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit log " + file + ": " + e.getMessage(), e);
        }
        return new ArrayList<>(kept);
    }
}
