package dev.engram.streams;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * What an {@link AdapterPublished} version adapts; on the wire as its {@link #wireName()}, and
 * {@link #RETRIEVER} when the field is absent (records written before agent-model adapters existed).
 *
 * <pre>{@code
 * if (adapter.kind() == AdapterKind.AGENT_MODEL) {
 *     AdapterFolder.write(adapter, dir);   // a PEFT folder for vLLM, LoRAX or PEFT
 * }
 * }</pre>
 */
public enum AdapterKind {

    /**
     * {@code "retriever"}: a query-side or symmetric LoRA for Engram's own encoder with its ranker
     * policy; nodes verify, gate and serve it for recall.
     */
    RETRIEVER("retriever"),

    /**
     * {@code "agent-model"}: a LoRA for the agents' own Llama-family model, gated on held-out plans'
     * per-token loss by whoever trained it ({@link PlanLossMetrics}, signed with the rest). Nodes list
     * it and never load it; the SDK hands it to agent runtimes as a PEFT folder.
     */
    AGENT_MODEL("agent-model");

    private final String wireName;

    AdapterKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name in JSON, e.g. {@code "agent-model"}. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /**
     * The kind with this wire name.
     *
     * @throws InvalidEventException (field {@code kind}) for any other name
     */
    @JsonCreator
    public static AdapterKind fromWireName(String wireName) {
        for (AdapterKind k : values()) {
            if (k.wireName.equals(wireName)) {
                return k;
            }
        }
        throw new InvalidEventException(
                "kind",
                "must be one of "
                        + Arrays.stream(values()).map(AdapterKind::wireName).toList() + ", was '" + wireName + "'");
    }

    @Override
    public String toString() {
        return wireName;
    }
}
