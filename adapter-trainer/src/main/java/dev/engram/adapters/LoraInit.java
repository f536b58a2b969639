package dev.engram.adapters;

/**
 * How a fresh LoRA adapter's matrices start. {@code B} starts at zero for every choice, so a fresh
 * adapter never changes the model's output.
 */
public enum LoraInit {
    /** Kaiming-uniform {@code A} with {@code a = √5} (PEFT's {@code init_lora_weights=True}). */
    DEFAULT,
    /** {@code A ~ N(0, (1/r)²)} (PEFT's {@code "gaussian"}: standard deviation {@code 1/r}). */
    GAUSSIAN,
    /**
     * OLoRA: {@code B, A} from the first {@code r} columns / rows of the QR decomposition of the
     * base weight, and the base weight becomes {@code W − s·BA}. Saving folds that offset back into
     * the adapter (rank doubles, as PEFT's {@code path_initial_model_for_weight_conversion} does),
     * so the file applies to the original base.
     */
    OLORA;

    /** The value PEFT writes in {@code adapter_config.json}'s {@code init_lora_weights}. */
    public Object peftValue() {
        return switch (this) {
            case DEFAULT -> Boolean.TRUE;
            case GAUSSIAN -> "gaussian";
            case OLORA -> "olora";
        };
    }
}
