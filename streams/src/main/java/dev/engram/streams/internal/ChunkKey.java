package dev.engram.streams.internal;

/**
 * A parsed record key of {@code engram.training-jobs}; see {@link ChunkKeys} for the layout. (Keys
 * of {@code engram.adapters} are {@link dev.engram.streams.AdapterKey}s.)
 *
 * @param kind what the record is
 * @param owner the tenant; null for {@link Kind#UNKNOWN}
 * @param group the chunk group a chunk belongs to, {@code "<tenant>/<jobId>"}; null for other kinds
 * @param index a chunk's index, else -1
 */
public record ChunkKey(Kind kind, String owner, String group, int index) {

    /** The kinds of key. */
    public enum Kind {
        /** {@code "<tenant>/<jobId>/chunk-<index>"}: a chunk of a job's JSON. */
        CHUNK,
        /** A key without '/': a tenant (a training job or its header). */
        PLAIN,
        /** Anything else. */
        UNKNOWN
    }
}
