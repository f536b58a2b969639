package dev.engram.streams;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * How an adapter changes the model it adapts (the retriever's encoder, or the agents' own model); on the wire as its {@link #wireName()}.
 *
 * <pre>{@code
 * AdapterMethod.fromWireName("lora-query-side")   // LORA_QUERY_SIDE
 * }</pre>
 */
public enum AdapterMethod {

    /**
     * {@code "lora-query-side"}: only query texts go through the adapter; case vectors stay those of
     * the frozen base encoder, so nothing is re-embedded when the adapter changes.
     */
    LORA_QUERY_SIDE("lora-query-side"),

    /**
     * {@code "lora-symmetric"}: queries and cases both go through the adapter; a node re-embeds the
     * tenant's cases before it serves a new version.
     */
    LORA_SYMMETRIC("lora-symmetric"),

    /**
     * {@code "lora-causal-lm"}: LoRA on the linear layers of the agents' own causal language model
     * (PEFT's {@code CAUSAL_LM}); the method of every {@link AdapterKind#AGENT_MODEL} adapter and of
     * no retriever adapter.
     */
    LORA_CAUSAL_LM("lora-causal-lm"),

    /**
     * {@code "policy-only"}: a version with no adapter at all, only its ranker policy
     * ({@link AdapterFile#RANKER_POLICY}) over the base encoder's query tower. A worker publishes one
     * when the round's adapter does not beat the base encoder on the job's held-out queries, or when
     * the job asks for no adapter; it is gated, served, pinned and rolled back as any version.
     */
    POLICY_ONLY("policy-only");

    private final String wireName;

    AdapterMethod(String wireName) {
        this.wireName = wireName;
    }

    /** The name in JSON, e.g. {@code "lora-query-side"}. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /**
     * The method with this wire name.
     *
     * @throws InvalidEventException (field {@code method}) for any other name
     */
    @JsonCreator
    public static AdapterMethod fromWireName(String wireName) {
        for (AdapterMethod m : values()) {
            if (m.wireName.equals(wireName)) {
                return m;
            }
        }
        throw new InvalidEventException(
                "method",
                "must be one of "
                        + Arrays.stream(values()).map(AdapterMethod::wireName).toList() + ", was '" + wireName + "'");
    }

    /** {@code true} for a method whose versions carry LoRA weights (every one but {@link #POLICY_ONLY}). */
    public boolean hasAdapter() {
        return this != POLICY_ONLY;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
