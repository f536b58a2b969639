package dev.engram.retriever.tuning;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.engram.adapters.LoraModel;
import dev.engram.memory.Embedder;
import dev.engram.retriever.TextEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One tenant's trained LoRA adapter over the shared base encoder, with how it is to be used: the
 * tower it changes and the instruction its queries carry. Owns its arrays: close it when it is no
 * longer served.
 *
 * <pre>{@code
 * TuningRound round = trainer.train("acme", examples, replayPool, current);
 * try (TenantAdapter adapter = round.adapter()) {
 *     adapter.save(dir);                                   // PEFT files for publication
 *     Embedder acme = adapter.embedder(encoder);           // hot-swap into the node's recall
 *     float[] q = acme.embedQuery("flutter of a heated wing");
 * }
 * TenantAdapter again = TenantAdapter.load(dir, "acme", TuningMode.QUERY_SIDE, "", 3, encoder);
 * }</pre>
 */
public final class TenantAdapter implements AutoCloseable {

    private final String tenant;
    private final TuningMode mode;
    private final String instruction;
    private final int round;
    private final NDManager manager;
    private final LoraModel lora;

    TenantAdapter(String tenant, TuningMode mode, String instruction, int round, NDManager manager, LoraModel lora) {
        this.tenant = requireText(tenant, "tenant");
        this.mode = Objects.requireNonNull(mode, "tenantAdapter.mode is required");
        this.instruction = Objects.requireNonNull(instruction, "tenantAdapter.instruction is required");
        if (round < 1) {
            throw new IllegalArgumentException("tenantAdapter.round must be >= 1, was " + round);
        }
        this.round = round;
        this.manager = manager;
        this.lora = lora;
    }

    private static String requireText(String v, String field) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("tenantAdapter." + field + " is required and must not be blank");
        }
        return v;
    }

    /**
     * Reads a PEFT adapter directory written by {@link #save} (or by PEFT) for the encoder's base.
     *
     * @throws dev.engram.adapters.InvalidAdapterException when the files are malformed or do not fit the base
     */
    public static TenantAdapter load(
            Path dir, String tenant, TuningMode mode, String instruction, int round, TextEncoder encoder)
            throws IOException {
        NDManager manager = NDManager.newBaseManager(device(encoder), "PyTorch");
        try {
            LoraModel lora = LoraModel.load(dir, encoder.baseEncoder().baseLinears(), manager);
            return new TenantAdapter(tenant, mode, instruction, round, manager, lora);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    static Device device(TextEncoder encoder) {
        return encoder.baseEncoder()
                .baseLinears()
                .values()
                .iterator()
                .next()
                .weight()
                .getDevice();
    }

    public String tenant() {
        return tenant;
    }

    public TuningMode mode() {
        return mode;
    }

    public String instruction() {
        return instruction;
    }

    /** 1 for the first adapter of a tenant, then one more per round. */
    public int round() {
        return round;
    }

    /** A stable id for this adapter, e.g. {@code acme-r3}; part of the embedder's model id. */
    public String adapterId() {
        return tenant + "-r" + round;
    }

    /** The LoRA layers (for saving, merging, publishing). */
    public LoraModel lora() {
        return lora;
    }

    /**
     * The tenant's embedder over {@code encoder} (the shared base the adapter was trained on): queries
     * carry the instruction and go through the adapter; cases go through it only in symmetric mode.
     */
    public Embedder embedder(TextEncoder encoder) {
        TextEncoder view = mode == TuningMode.QUERY_SIDE
                ? encoder.withQueryAdapter(adapterId(), lora.layers())
                : encoder.withAdapter(adapterId(), lora.layers());
        return new TunedEmbedder(view, instruction);
    }

    /** Writes the adapter as a PEFT directory ({@code adapter_config.json} + {@code adapter_model.safetensors}). */
    public void save(Path dir) throws IOException {
        lora.save(dir);
    }

    @Override
    public void close() {
        lora.close();
        manager.close();
    }

    @Override
    public String toString() {
        return "TenantAdapter[" + adapterId() + ", " + mode + ", r "
                + lora.config().r() + " on " + lora.layers().size() + " projections]";
    }
}
