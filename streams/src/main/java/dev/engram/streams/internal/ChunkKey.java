package dev.engram.streams.internal;

/**
 * A parsed record key of the continual-loop topics; see {@link ChunkKeys} for the layout.
 *
 * @param kind what the record is
 * @param owner the adapter name (adapters topic) or the tenant (jobs topic)
 * @param group the chunk group a chunk belongs to, or that a header completes:
 *     {@code "<adapterName>/v<version>"} or {@code "<tenant>/<jobId>"}; null for controls and plain keys
 * @param version the adapter version of a header or chunk on the adapters topic, else 0
 * @param index a chunk's index, else -1
 */
public record ChunkKey(Kind kind, String owner, String group, long version, int index) {

  /** The kinds of key. */
  public enum Kind {
    /** {@code "<adapterName>/v<version>"}: an adapter version's header. */
    ADAPTER_HEADER,
    /** {@code "<group>/chunk-<index>"}: a chunk of an adapter's or a job's payload. */
    CHUNK,
    /** {@code "<adapterName>/control"}: an operator control. */
    CONTROL,
    /** A key without '/': a tenant (a training job or its header). */
    PLAIN,
    /** Anything else. */
    UNKNOWN
  }
}
