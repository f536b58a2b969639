package dev.engram.worker.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The frozen base encoder's document vectors by text, least recently used dropped first. Successive
 * jobs of a tenant mostly judge the same cases again (the same abstracts, the same past episodes),
 * so a worker that keeps these vectors embeds only what is new: in query-side tuning the document
 * tower never changes. Thread-safe.
 */
public final class DocumentVectorCache {

    private final Map<String, float[]> byText;

    /** @param maxEntries how many vectors to keep, >= 1 (384 floats each for MiniLM: 1.5 KB) */
    public DocumentVectorCache(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1, was " + maxEntries);
        }
        this.byText = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The vector of {@code text}, or {@code null} when not cached. */
    public synchronized float[] get(String text) {
        return text == null ? null : byText.get(text);
    }

    public synchronized void put(String text, float[] vector) {
        byText.put(text, vector);
    }

    /** How many vectors are cached. */
    public synchronized int size() {
        return byText.size();
    }
}
