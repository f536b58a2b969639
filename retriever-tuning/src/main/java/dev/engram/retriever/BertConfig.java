package dev.engram.retriever;

/**
 * The shape of a BERT-family encoder, derived from the weights it is loaded from.
 *
 * @param vocabSize rows of the word-embedding table
 * @param hiddenSize width of every token vector (384 for MiniLM-L6 and bge-small)
 * @param numLayers transformer layers (6 for MiniLM-L6, 12 for bge-small)
 * @param numHeads attention heads per layer; divides {@code hiddenSize}
 * @param intermediateSize width of the feed-forward layer
 * @param maxPositions rows of the position-embedding table: the longest input the model accepts
 * @param typeVocabSize rows of the token-type table
 * @param layerNormEps epsilon of every LayerNorm (1e-12 for BERT)
 */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        float layerNormEps) {

    public BertConfig {
        positive(vocabSize, "vocabSize");
        positive(hiddenSize, "hiddenSize");
        positive(numLayers, "numLayers");
        positive(numHeads, "numHeads");
        positive(intermediateSize, "intermediateSize");
        positive(maxPositions, "maxPositions");
        positive(typeVocabSize, "typeVocabSize");
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "numHeads (" + numHeads + ") must divide hiddenSize (" + hiddenSize + ")");
        }
        if (!(layerNormEps > 0) || layerNormEps > 1e-3f) {
            throw new IllegalArgumentException("layerNormEps must be in (0, 1e-3], was " + layerNormEps);
        }
    }

    /** Width of one attention head. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    private static void positive(int value, String field) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, was " + value);
        }
    }
}
