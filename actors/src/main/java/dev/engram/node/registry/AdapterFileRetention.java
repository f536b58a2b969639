package dev.engram.node.registry;

import dev.engram.streams.AdapterPublished;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds what the registry keeps in {@code dataDir/adapters}: each adapter's newest
 * {@code versionsKept} versions plus its serving, pinned and rolled-back-to ones
 * ({@link AdapterHistory#keptOnDisk}); older directories are deleted, and so is what an earlier run
 * left that the topic no longer names. The files are a cache of the topic: a version removed here
 * is read back from {@code engram.adapters} when it has to serve again. Used on the registry's
 * thread; histories are read under the registry's lock.
 */
final class AdapterFileRetention {

    private static final Logger log = LoggerFactory.getLogger(AdapterFileRetention.class);
    private static final Duration READ_BACK_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaConnection kafka;
    private final AdapterLoader loader;
    private final int versionsKept;
    private final Object lock;

    AdapterFileRetention(KafkaConnection kafka, AdapterLoader loader, int versionsKept, Object lock) {
        if (versionsKept < 1) {
            throw new IllegalArgumentException("versionsKept must be >= 1, was " + versionsKept);
        }
        this.kafka = kafka;
        this.loader = loader;
        this.versionsKept = versionsKept;
        this.lock = lock;
    }

    /** Deletes the directories of the adapter's versions that are no longer kept. */
    void removeOld(AdapterHistory history) {
        List<AdapterHistory.Entry> old = new ArrayList<>();
        synchronized (lock) {
            Set<Long> keep = history.keptOnDisk(versionsKept);
            for (AdapterHistory.Entry e : history.withFiles()) {
                if (!keep.contains(e.version())) {
                    old.add(e);
                    history.put(null, e.withoutFiles());
                }
            }
        }
        for (AdapterHistory.Entry e : old) {
            try {
                loader.delete(e.dir());
                log.debug("removed the files of {} v{} ({})", history.adapterName(), e.version(), e.dir());
            } catch (IOException ex) {
                log.warn("could not remove {}: {}", e.dir(), ex.toString());
            }
        }
    }

    /** Deletes version directories that no version read from the topic keeps (call once caught up). */
    void removeStray(Collection<AdapterHistory> histories) {
        Set<Path> known = new HashSet<>();
        synchronized (lock) {
            histories.forEach(h -> h.withFiles().forEach(e -> known.add(e.dir())));
        }
        try {
            for (Path dir : loader.versionDirs()) {
                if (!known.contains(dir)) {
                    loader.delete(dir);
                    log.info("removed {}: {} names no such version to keep", dir, Topics.ADAPTERS);
                }
            }
        } catch (IOException e) {
            log.warn("could not clean the adapters directory: {}", e.toString());
        }
    }

    /** Deletes staged files that failed verification (the verified copy, if any, stays). */
    void discard(Path staged) {
        try {
            loader.delete(staged);
        } catch (IOException e) {
            log.warn("could not remove {}: {}", staged, e.toString());
        }
    }

    /** Writes the files of a version removed from disk again, from its record on the topic. */
    Path readBack(AdapterHistory history, AdapterHistory.Entry entry) throws AdapterLoader.Unusable {
        log.info(
                "{} v{} was removed from disk; reading it back from {}",
                history.adapterName(),
                entry.version(),
                Topics.ADAPTERS);
        AdapterPublished adapter = AdapterRefetch.read(
                kafka, history.adapterName(), entry.version(), entry.payloadSha256(), READ_BACK_TIMEOUT);
        Path dir;
        try {
            dir = loader.write(adapter);
        } catch (IOException e) {
            throw new AdapterLoader.Unusable(
                    "could not write " + history.adapterName() + " v" + entry.version()
                            + " under the node's data directory: " + e.getMessage(),
                    e);
        }
        synchronized (lock) {
            history.put(null, entry.withFiles(dir));
        }
        return dir;
    }
}
