package dev.engram.node.tuning;

import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.streams.EventCodec;
import dev.engram.streams.EventLimits;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Per tenant, the judged episodes (those with at least one {@link Judgement}) in the order they were
 * ingested, as JSON lines in {@code <dataDir>/judged/<tenant>.jsonl} (each line the feedback event's
 * own JSON, as {@link EventCodec} writes it; the format is {@link JudgedLogFiles}'), with a persisted mark
 * ({@code <tenant>.mark}: how many entries earlier tuning rounds consumed). A scheduler reads
 * {@link #snapshot(String)}: the {@code fresh} episodes since the mark are a round's training
 * feedback, the {@code older} ones its retention sample; once the round's job is sent it calls
 * {@link #advanceMark(String, int)} with the snapshot's position, so episodes appended meanwhile
 * stay fresh for the next round.
 *
 * <p>Appends are idempotent by {@code eventId} (a replayed batch adds nothing) and synced to disk
 * before {@link #append(List)} returns. The log is a materialised view like the case index: Kafka
 * ({@code engram.feedback}) is the source of truth, so a node that lost this directory rebuilds it
 * by replaying the feedback topic through ingest. A torn last line (a crash mid-append) is cut off
 * with a warning when the log is read; the episode comes back with the replay.
 *
 * <pre>{@code
 * JudgedRecallLog log = new JudgedRecallLog(dataDir);
 * log.append(writtenEpisodes);                      // after the batch is durably in the case store
 * JudgedRecallLog.Snapshot s = log.snapshot("acme");
 * jobBuilder.build("acme", "retriever", v, base, s.fresh(), s.older(), lookup, now)
 *         .ifPresent(job -> { publisher.publish(job); log.advanceMark("acme", s.position()); });
 * }</pre>
 *
 * <p><b>Memory.</b> The log is on disk; the heap holds the entries of at most
 * {@code residentTenants} tenants, loaded on first use and dropped again when the tenant has not
 * been used for {@code idleAfter} or when more tenants are needed (the least recently used goes
 * first), and when its scheduler stops ({@link #evict}). Everything is durable before it is in the
 * heap, so dropping a tenant loses nothing: its next use reads it back. Measured with
 * {@code JudgedLogHeapBench}: 200 tenants of 500 judged episodes (68 MB on disk) held 108 MB of heap
 * when every tenant stayed; bounded to 16 resident tenants, 8.7 MB; reading an evicted tenant back
 * took 6 ms.
 *
 * <p>Thread-safe: ingest appends while a scheduler reads.
 */
public final class JudgedRecallLog {

    /**
     * What a tenant's log holds at one moment.
     *
     * @param fresh judged episodes after the mark, oldest first
     * @param older judged episodes before the mark, oldest first
     * @param position entries in the log (older + fresh): the mark to set once a round used {@code fresh}
     */
    public record Snapshot(List<Episode> fresh, List<Episode> older, int position) {
        public Snapshot {
            fresh = List.copyOf(Objects.requireNonNull(fresh, "snapshot.fresh is required"));
            older = List.copyOf(Objects.requireNonNull(older, "snapshot.older is required"));
            if (position != fresh.size() + older.size()) {
                throw new IllegalArgumentException("snapshot.position must be fresh + older = "
                        + (fresh.size() + older.size()) + ", was " + position);
            }
        }
    }

    private static final class TenantLog {
        final List<Episode> entries = new ArrayList<>();
        final LinkedHashSet<String> heldOut = new LinkedHashSet<>();
        final Set<String> eventIds = new HashSet<>();
        int mark;
        Instant lastUsed;
    }

    /** Default most tenants whose entries are in the heap at once. */
    public static final int DEFAULT_RESIDENT_TENANTS = 16;
    /** Default time after which an unused tenant's entries leave the heap. */
    public static final Duration DEFAULT_IDLE_AFTER = Duration.ofMinutes(10);

    private final JudgedLogFiles files;
    private final int residentTenants;
    private final Duration idleAfter;
    private final Clock clock;
    /** The tenants in the heap, least recently used first. */
    private final LinkedHashMap<String, TenantLog> tenants = new LinkedHashMap<>(16, 0.75f, true);

    /** A log under {@code dataDir/judged} with the default bounds; the directory is created when missing. */
    public JudgedRecallLog(Path dataDir) {
        this(dataDir, DEFAULT_RESIDENT_TENANTS, DEFAULT_IDLE_AFTER, Clock.systemUTC());
    }

    /**
     * A log under {@code dataDir/judged} that holds at most {@code residentTenants} tenants' entries
     * in the heap and drops a tenant's after {@code idleAfter} unused (time from {@code clock}).
     */
    public JudgedRecallLog(Path dataDir, int residentTenants, Duration idleAfter, Clock clock) {
        Objects.requireNonNull(dataDir, "dataDir is required");
        if (residentTenants < 1) {
            throw new IllegalArgumentException("residentTenants must be >= 1, was " + residentTenants);
        }
        Objects.requireNonNull(idleAfter, "idleAfter is required");
        if (idleAfter.isNegative() || idleAfter.isZero()) {
            throw new IllegalArgumentException("idleAfter must be positive, was " + idleAfter);
        }
        this.residentTenants = residentTenants;
        this.idleAfter = idleAfter;
        this.clock = Objects.requireNonNull(clock, "clock is required");
        this.files = new JudgedLogFiles(dataDir);
    }

    /**
     * Appends the judged episodes among {@code episodes} that the log does not hold yet (by
     * {@code eventId}); episodes without judgements are ignored.
     *
     * @return per tenant, the episodes newly appended (empty map when none)
     */
    public synchronized Map<String, List<Episode>> append(List<Episode> episodes) {
        Objects.requireNonNull(episodes, "episodes is required");
        Map<String, List<Episode>> added = new HashMap<>();
        for (Episode e : episodes) {
            if (e.judgements().isEmpty()) {
                continue;
            }
            TenantLog t = tenant(e.tenant());
            if (t.eventIds.contains(e.eventId())
                    || added.getOrDefault(e.tenant(), List.of()).stream()
                            .anyMatch(a -> a.eventId().equals(e.eventId()))) {
                continue;
            }
            added.computeIfAbsent(e.tenant(), k -> new ArrayList<>()).add(e);
        }
        for (Map.Entry<String, List<Episode>> entry : added.entrySet()) {
            files.appendEpisodes(entry.getKey(), entry.getValue());
            TenantLog t = tenant(entry.getKey());
            // A tenant dropped from the heap meanwhile was just read back with these lines: add each once.
            entry.getValue().forEach(e -> {
                if (t.eventIds.add(e.eventId())) {
                    t.entries.add(e);
                }
            });
        }
        return added;
    }

    /** The tenant's fresh and older judged episodes now. */
    public synchronized Snapshot snapshot(String tenant) {
        TenantLog t = tenant(tenant);
        int mark = Math.min(t.mark, t.entries.size());
        return new Snapshot(t.entries.subList(mark, t.entries.size()), t.entries.subList(0, mark), t.entries.size());
    }

    /** The tenants whose logs are on disk, sorted (their schedulers start with the node). */
    public List<String> tenants() {
        return files.tenants();
    }

    /** How many judged episodes arrived for the tenant since the mark. */
    public synchronized int freshCount(String tenant) {
        TenantLog t = tenant(tenant);
        return Math.max(0, t.entries.size() - t.mark);
    }

    /**
     * The tasks the tenant's rounds have held out so far (oldest first), from
     * {@code <tenant>.heldout.jsonl}: a scheduler holds them out again and never trains on them.
     */
    public synchronized List<String> heldOutTasks(String tenant) {
        return List.copyOf(tenant(tenant).heldOut);
    }

    /** Records held-out tasks durably (one JSON string per line); tasks already recorded are skipped. */
    public synchronized void recordHeldOut(String tenant, Collection<String> tasks) {
        TenantLog t = tenant(tenant);
        List<String> added = new ArrayList<>();
        for (String task : tasks) {
            if (!t.heldOut.contains(task) && !added.contains(task)) {
                added.add(task);
            }
        }
        if (added.isEmpty()) {
            return;
        }
        files.appendHeldOut(tenant, added);
        t.heldOut.addAll(added);
    }

    /**
     * Marks the tenant's first {@code position} entries as used by a round (durably). The mark never
     * moves back.
     */
    public synchronized void advanceMark(String tenant, int position) {
        TenantLog t = tenant(tenant);
        if (position < 0 || position > t.entries.size()) {
            throw new IllegalArgumentException(
                    "position must be in [0, " + t.entries.size() + "] for tenant " + tenant + ", was " + position);
        }
        if (position <= t.mark) {
            return;
        }
        files.writeMark(tenant, position);
        t.mark = position;
    }

    /** Drops the tenant's entries from the heap (its scheduler stopped); its next use reads them back. */
    public synchronized void evict(String tenant) {
        tenants.remove(tenant);
    }

    /** Drops the entries of every tenant unused for {@code idleAfter}. */
    public synchronized void evictIdle() {
        Instant now = clock.instant();
        tenants.values().removeIf(t -> !t.lastUsed.plus(idleAfter).isAfter(now));
    }

    /** The tenants whose entries are in the heap now, least recently used first. */
    public synchronized List<String> residentTenants() {
        return List.copyOf(tenants.keySet());
    }

    /** The judged episodes in the heap now, over all resident tenants. */
    public synchronized long residentEntries() {
        return tenants.values().stream().mapToLong(t -> t.entries.size()).sum();
    }

    private TenantLog tenant(String tenant) {
        Objects.requireNonNull(tenant, "tenant is required");
        if (!EventLimits.TENANT_PATTERN.matcher(tenant).matches()) {
            throw new IllegalArgumentException(
                    "tenant must match " + EventLimits.TENANT_REGEX + ", was '" + tenant + "'");
        }
        Instant now = clock.instant();
        TenantLog t = tenants.computeIfAbsent(tenant, this::load);
        t.lastUsed = now;
        // Bound the heap: idle tenants leave, then the least recently used beyond the limit (never this one).
        tenants.entrySet()
                .removeIf(e -> e.getValue() != t
                        && !e.getValue().lastUsed.plus(idleAfter).isAfter(now));
        for (var it = tenants.entrySet().iterator(); tenants.size() > residentTenants && it.hasNext(); ) {
            if (it.next().getValue() != t) {
                it.remove();
            }
        }
        return t;
    }

    private TenantLog load(String tenant) {
        JudgedLogFiles.Contents read = files.read(tenant);
        TenantLog t = new TenantLog();
        read.entries().forEach(e -> {
            if (t.eventIds.add(e.eventId())) {
                t.entries.add(e);
            }
        });
        t.heldOut.addAll(read.heldOut());
        t.mark = read.mark();
        return t;
    }
}
