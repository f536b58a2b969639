package dev.engram.retriever;

/** How a sequence of token vectors becomes one text vector. */
public enum Pooling {
    /** Average of the token vectors under the attention mask (sentence-transformers MiniLM). */
    MEAN,
    /** The vector of the first token, {@code [CLS]} (bge). */
    CLS
}
