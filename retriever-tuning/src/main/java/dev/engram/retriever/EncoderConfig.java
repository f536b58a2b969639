package dev.engram.retriever;

import java.util.Objects;
import java.util.Set;

/**
 * Settings of a {@link TextEncoder}. Defaults are in {@link #defaults()}; change them with
 * {@link #custom()}:
 *
 * <pre>{@code
 * EncoderConfig config = EncoderConfig.custom().maxLength(128).batchSize(64).intraOpThreads(2).build();
 * }</pre>
 *
 * @param model which encoder to load; default {@link EncoderModel#ALL_MINILM_L6_V2}
 * @param maxLength longest input in word pieces, {@code [CLS]} and {@code [SEP]} included; longer
 *     texts are truncated. Default 256 (what sentence-transformers uses for MiniLM); at most the
 *     model's position count (512)
 * @param batchSize texts per forward pass when embedding many; default 32
 * @param intraOpThreads threads inside one op; process-wide in libtorch. 0 (default) keeps the
 *     engine's setting ({@code -Dai.djl.pytorch.num_threads}, else one per core)
 * @param interOpThreads libtorch's inter-op pool; only takes effect when set before the PyTorch
 *     engine first loads. 0 (default) keeps the engine's setting
 * @param device {@code "cpu"}, {@code "gpu"} or {@code "auto"} (default: a GPU when the engine sees one)
 * @param queryPrefix instruction prepended to every query text (e.g. bge's); default none
 * @param documentPrefix prepended to every document text; default none
 * @param onnxRuntimeBase whether passes through the base model without an adapter (documents, and
 *     queries while no adapter serves) run on ONNX Runtime rather than PyTorch, on a CPU device;
 *     default true (faster: see the README's encoder figures)
 */
public record EncoderConfig(
        EncoderModel model,
        int maxLength,
        int batchSize,
        int intraOpThreads,
        int interOpThreads,
        String device,
        String queryPrefix,
        String documentPrefix,
        boolean onnxRuntimeBase) {

    private static final Set<String> DEVICES = Set.of("cpu", "gpu", "auto");

    public EncoderConfig {
        Objects.requireNonNull(model, "model");
        if (maxLength < 2 || maxLength > 8192) {
            throw new IllegalArgumentException("maxLength must be in [2, 8192] word pieces, was " + maxLength);
        }
        if (batchSize < 1 || batchSize > 4096) {
            throw new IllegalArgumentException("batchSize must be in [1, 4096], was " + batchSize);
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException(
                    "intraOpThreads must be >= 0 (0 = engine default), was " + intraOpThreads);
        }
        if (interOpThreads < 0) {
            throw new IllegalArgumentException(
                    "interOpThreads must be >= 0 (0 = engine default), was " + interOpThreads);
        }
        if (device == null || !DEVICES.contains(device)) {
            throw new IllegalArgumentException("device must be one of " + DEVICES + ", was " + device);
        }
        Objects.requireNonNull(queryPrefix, "queryPrefix");
        Objects.requireNonNull(documentPrefix, "documentPrefix");
    }

    /**
     * MiniLM, 256 word pieces, batches of 32, engine thread settings, auto device, no prefixes, the
     * base model on ONNX Runtime.
     */
    public static EncoderConfig defaults() {
        return new EncoderConfig(EncoderModel.ALL_MINILM_L6_V2, 256, 32, 0, 0, "auto", "", "", true);
    }

    /** A builder that starts from {@link #defaults()}. */
    public static Builder custom() {
        return new Builder(defaults());
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds an {@link EncoderConfig}; {@link #build()} validates. */
    public static final class Builder {
        private EncoderModel model;
        private int maxLength;
        private int batchSize;
        private int intraOpThreads;
        private int interOpThreads;
        private String device;
        private String queryPrefix;
        private String documentPrefix;
        private boolean onnxRuntimeBase;

        private Builder(EncoderConfig from) {
            model = from.model;
            maxLength = from.maxLength;
            batchSize = from.batchSize;
            intraOpThreads = from.intraOpThreads;
            interOpThreads = from.interOpThreads;
            device = from.device;
            queryPrefix = from.queryPrefix;
            documentPrefix = from.documentPrefix;
            onnxRuntimeBase = from.onnxRuntimeBase;
        }

        public Builder model(EncoderModel value) {
            model = value;
            return this;
        }

        public Builder maxLength(int value) {
            maxLength = value;
            return this;
        }

        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        public Builder intraOpThreads(int value) {
            intraOpThreads = value;
            return this;
        }

        public Builder interOpThreads(int value) {
            interOpThreads = value;
            return this;
        }

        public Builder device(String value) {
            device = value;
            return this;
        }

        public Builder queryPrefix(String value) {
            queryPrefix = value;
            return this;
        }

        public Builder documentPrefix(String value) {
            documentPrefix = value;
            return this;
        }

        public Builder onnxRuntimeBase(boolean value) {
            onnxRuntimeBase = value;
            return this;
        }

        public EncoderConfig build() {
            return new EncoderConfig(
                    model,
                    maxLength,
                    batchSize,
                    intraOpThreads,
                    interOpThreads,
                    device,
                    queryPrefix,
                    documentPrefix,
                    onnxRuntimeBase);
        }
    }
}
