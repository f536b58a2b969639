package dev.engram.node.tuning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.node.ingest.FeedbackDecoder;
import dev.engram.streams.EventCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link JudgedRecallLog}'s format on disk, in {@code <dataDir>/judged}: per tenant
 * {@code <tenant>.jsonl} (one judged episode per line, the feedback event's own JSON as
 * {@link EventCodec} writes it; lines of the older episode format are still read),
 * {@code <tenant>.heldout.jsonl} (one held-out task per line, a JSON string) and {@code <tenant>.mark}
 * (how many entries earlier rounds consumed, replaced atomically). Every write is synced before it
 * returns; a torn last line (a crash mid-append) is cut off with a warning when the file is read.
 * Holds nothing in the heap; not thread-safe on its own (the log calls it under its lock).
 */
final class JudgedLogFiles {

    private static final Logger log = LoggerFactory.getLogger(JudgedLogFiles.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a tenant's files hold.
     *
     * @param entries the judged episodes in the order they were appended (a replay may repeat one)
     * @param heldOut the held-out tasks, oldest first
     * @param mark how many entries earlier rounds consumed
     */
    record Contents(List<Episode> entries, List<String> heldOut, int mark) {}

    private final Path directory;

    /** The files under {@code dataDir/judged}; the directory is created when missing. */
    JudgedLogFiles(Path dataDir) {
        this.directory = dataDir.resolve("judged");
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the judged-feedback directory " + directory, e);
        }
    }

    /** The tenants whose logs are on disk, sorted. */
    List<String> tenants() {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".jsonl") && !n.endsWith(".heldout.jsonl"))
                    .map(n -> n.substring(0, n.length() - ".jsonl".length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Appends {@code episodes} to the tenant's log, durably. */
    void appendEpisodes(String tenant, List<Episode> episodes) {
        StringBuilder lines = new StringBuilder();
        episodes.forEach(e -> lines.append(encode(e)).append('\n'));
        try {
            append(logFile(tenant), lines);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append judged feedback to " + logFile(tenant), ex);
        }
    }

    /** Appends {@code tasks} to the tenant's held-out tasks, durably. */
    void appendHeldOut(String tenant, Collection<String> tasks) {
        StringBuilder lines = new StringBuilder();
        for (String task : tasks) {
            try {
                lines.append(JSON.writeValueAsString(task)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot encode a held-out task", e);
            }
        }
        Path file = heldOutFile(tenant);
        try {
            append(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record held-out tasks in " + file, e);
        }
    }

    /** Replaces the tenant's mark, atomically and durably. */
    void writeMark(String tenant, int position) {
        Path mark = directory.resolve(tenant + ".mark");
        Path tmp = directory.resolve(tenant + ".mark.tmp");
        try {
            Files.writeString(
                    tmp,
                    Integer.toString(position),
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.DSYNC);
            Files.move(tmp, mark, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the judged-feedback mark " + mark, e);
        }
    }

    /** Reads the tenant's files; a tenant without any has an empty log. */
    Contents read(String tenant) {
        List<Episode> entries = new ArrayList<>();
        List<String> heldOut = new ArrayList<>();
        int markValue = 0;
        Path file = logFile(tenant);
        try {
            if (Files.exists(file)) {
                cutTornTail(file);
                int lineNo = 0;
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    lineNo++;
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        entries.add(decode(line));
                    } catch (RuntimeException | JsonProcessingException ex) {
                        log.warn(
                                "skipping unreadable line {} of {} (a torn write? replaying the feedback topic restores it): {}",
                                lineNo,
                                file,
                                ex.getMessage());
                    }
                }
            }
            Path mark = directory.resolve(tenant + ".mark");
            if (Files.exists(mark)) {
                markValue = Integer.parseInt(
                        Files.readString(mark, StandardCharsets.UTF_8).trim());
            }
            Path held = heldOutFile(tenant);
            if (Files.exists(held)) {
                cutTornTail(held);
                for (String line : Files.readAllLines(held, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        heldOut.add(JSON.readValue(line, String.class));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the judged feedback of tenant " + tenant + " from " + directory, e);
        }
        return new Contents(entries, heldOut, markValue);
    }

    private static void append(Path file, CharSequence lines) throws IOException {
        Files.writeString(
                file,
                lines,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND,
                StandardOpenOption.WRITE,
                StandardOpenOption.DSYNC);
    }

    /** Cuts an unterminated last line (a crash mid-append), so the next append starts on a line of its own. */
    private static void cutTornTail(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            long keep = size;
            ByteBuffer one = ByteBuffer.allocate(1);
            while (keep > 0) {
                one.clear();
                channel.read(one, keep - 1);
                if (one.get(0) == '\n') {
                    break;
                }
                keep--;
            }
            if (keep < size) {
                log.warn(
                        "cutting a torn last line ({} bytes) from {}; replaying the feedback topic restores it",
                        size - keep,
                        file);
                channel.truncate(keep);
                channel.force(true);
            }
        }
    }

    private Path heldOutFile(String tenant) {
        return directory.resolve(tenant + ".heldout.jsonl");
    }

    private Path logFile(String tenant) {
        return directory.resolve(tenant + ".jsonl");
    }

    /** One line: the feedback event's own JSON (the one serialisation of an episode on the wire). */
    private static String encode(Episode e) {
        return new String(EventCodec.encode(FeedbackDecoder.toEvent(e)), StandardCharsets.UTF_8);
    }

    private static Episode decode(String line) throws JsonProcessingException {
        JsonNode n = JSON.readTree(line);
        if (n.has("judgements")) {
            return decodeLegacy(n);
        }
        return FeedbackDecoder.toEpisode(EventCodec.decodeFeedback(line.getBytes(StandardCharsets.UTF_8)));
    }

    /** Lines written before the log kept the events' JSON (an episode with a "judgements" array). */
    private static Episode decodeLegacy(JsonNode n) {
        List<Judgement> judgements = new ArrayList<>();
        for (JsonNode j : n.path("judgements")) {
            JsonNode useful = j.get("useful");
            judgements.add(new Judgement(
                    j.path("caseId").asText(),
                    j.path("rank").asInt(),
                    useful == null || useful.isNull() ? null : useful.asBoolean()));
        }
        return new Episode(
                text(n, "eventId"),
                text(n, "tenant"),
                n.path("agentId").asText(""),
                Instant.parse(text(n, "timestamp")),
                text(n, "task"),
                n.path("plan").asText(""),
                n.path("outcome").asText(""),
                n.path("reward").asDouble(),
                judgements);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("judged-feedback line lacks " + field);
        }
        return v.asText();
    }
}
