package dev.engram.node.registry;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraModel;
import dev.engram.node.http.ApiJson;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TrustedWorkerKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Real PEFT adapter files for MiniLM (r 8 on query/value), corrupted variants of them, and records
 * signed by {@link #WORKER}, the worker key the test nodes trust ({@link #TRUSTED}).
 */
public final class TestAdapters {

    public static final AdapterMetrics BETTER = new AdapterMetrics(0.41, 0.40, 40, 0.39, 0.39, 20, Map.of());
    public static final AdapterMetrics WORSE = new AdapterMetrics(0.37, 0.40, 40, 0.39, 0.39, 20, Map.of());

    /** The test worker's key pair. */
    public static final KeyPair WORKER = ed25519();

    /** What the test nodes trust: {@link #WORKER}'s public key. */
    public static final TrustedWorkerKeys TRUSTED = TrustedWorkerKeys.of(WORKER.getPublic());

    /** A fresh Ed25519 key pair (a worker nobody trusts, unless told). */
    static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private TestAdapters() {}

    /** The PEFT files of a freshly attached r 8 adapter (seeded) over the encoder's base. */
    public static List<AdapterFile> files(TextEncoder encoder, Path dir, long seed) throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                LoraModel lora = LoraModel.attach(
                        encoder.baseEncoder().baseLinears(),
                        LoraConfig.builder()
                                .r(8)
                                .alpha(16)
                                .targetModules(List.of("query", "value"))
                                .build(),
                        manager,
                        seed)) {
            lora.save(dir);
        }
        return List.of(
                new AdapterFile(AdapterFile.PEFT_CONFIG, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_CONFIG))),
                new AdapterFile(AdapterFile.PEFT_WEIGHTS, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_WEIGHTS))));
    }

    /**
     * Version {@code version} (parent {@code version - 1}) signed by {@link #WORKER} as a candidate;
     * with another {@code status}, that signed candidate re-labelled (as a publisher promoting itself would).
     */
    public static AdapterPublished adapter(
            String name,
            String tenant,
            long version,
            AdapterStatus status,
            AdapterMetrics metrics,
            List<AdapterFile> files,
            TextEncoder encoder) {
        AdapterPublished signed =
                AdapterSignature.sign(unsigned(name, tenant, version, metrics, files, encoder), WORKER);
        return status == AdapterStatus.CANDIDATE
                ? signed
                : signed.withStatus(status, status == AdapterStatus.REJECTED ? "test" : "promoted by its publisher");
    }

    /**
     * Version {@code version} (parent {@code version - 1}) that carries only {@code policy}, no adapter,
     * signed by {@link #WORKER} as a candidate: what a worker publishes when the round's adapter did
     * not beat the base encoder.
     */
    static AdapterPublished policyOnly(
            String name, String tenant, long version, AdapterMetrics metrics, String policy, TextEncoder encoder) {
        return AdapterSignature.sign(
                unsigned(
                        name,
                        tenant,
                        version,
                        AdapterMethod.POLICY_ONLY,
                        metrics,
                        List.of(new AdapterFile(AdapterFile.RANKER_POLICY, policy.getBytes(StandardCharsets.UTF_8))),
                        encoder),
                WORKER);
    }

    /** The candidate as {@link #adapter} makes it, without a signature. */
    static AdapterPublished unsigned(
            String name,
            String tenant,
            long version,
            AdapterMetrics metrics,
            List<AdapterFile> files,
            TextEncoder encoder) {
        return unsigned(name, tenant, version, AdapterMethod.LORA_QUERY_SIDE, metrics, files, encoder);
    }

    private static AdapterPublished unsigned(
            String name,
            String tenant,
            long version,
            AdapterMethod method,
            AdapterMetrics metrics,
            List<AdapterFile> files,
            TextEncoder encoder) {
        return AdapterPublished.of(
                name,
                tenant,
                version,
                version > 1 ? version - 1 : null,
                encoder.config().model().id(),
                method,
                LoraTrainingConfig.defaults(),
                metrics,
                AdapterStatus.CANDIDATE,
                "",
                "job-" + name + "-" + version,
                files,
                Instant.parse("2026-01-01T00:00:00Z"));
    }

    /** The files with every float of every lora_A and lora_B tensor set to 3e38: finite, and loads fine. */
    static List<AdapterFile> withHugeWeights(List<AdapterFile> files) throws IOException {
        return rewrite(files, (header, data, dataStart) -> {
            Iterator<String> names = header.fieldNames();
            int tensors = 0;
            while (names.hasNext()) {
                String n = names.next();
                if (n.contains("lora_A") || n.contains("lora_B")) {
                    ArrayNode offsets = (ArrayNode) header.get(n).get("data_offsets");
                    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                    for (long at = offsets.get(0).asLong(); at < offsets.get(1).asLong(); at += 4) {
                        b.putFloat(dataStart + (int) at, 3e38f);
                    }
                    tensors++;
                }
            }
            if (tensors == 0) {
                throw new IllegalStateException("no LoRA tensor in " + header);
            }
        });
    }

    /**
     * The files with every lora_B weight set to {@code value} (a freshly attached adapter has B = 0
     * and changes nothing; this one moves the query vector by a modest amount).
     */
    public static List<AdapterFile> withLoraB(List<AdapterFile> files, float value) throws IOException {
        return rewrite(files, (header, data, dataStart) -> {
            Iterator<String> names = header.fieldNames();
            int tensors = 0;
            while (names.hasNext()) {
                String n = names.next();
                if (n.contains("lora_B")) {
                    ArrayNode offsets = (ArrayNode) header.get(n).get("data_offsets");
                    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                    for (long at = offsets.get(0).asLong(); at < offsets.get(1).asLong(); at += 4) {
                        b.putFloat(dataStart + (int) at, value);
                    }
                    tensors++;
                }
            }
            if (tensors == 0) {
                throw new IllegalStateException("no lora_B tensor in " + header);
            }
        });
    }

    /** The files with every float of the first lora_B tensor set to NaN (checksum recomputed: a valid record). */
    public static List<AdapterFile> withNaN(List<AdapterFile> files) throws IOException {
        return rewrite(files, (header, data, dataStart) -> {
            Iterator<String> names = header.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                if (n.contains("lora_B")) {
                    ArrayNode offsets = (ArrayNode) header.get(n).get("data_offsets");
                    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                    for (long at = offsets.get(0).asLong(); at < offsets.get(1).asLong(); at += 4) {
                        b.putFloat(dataStart + (int) at, Float.NaN);
                    }
                    return;
                }
            }
            throw new IllegalStateException("no lora_B tensor in " + header);
        });
    }

    /** The files with the first lora_A tensor's shape changed (same byte count: [8, 384] -> [16, 192]). */
    static List<AdapterFile> withWrongShape(List<AdapterFile> files) throws IOException {
        return rewrite(files, (header, data, dataStart) -> {
            Iterator<String> names = header.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                if (n.contains("lora_A")) {
                    ArrayNode shape = (ArrayNode) header.get(n).get("shape");
                    long rows = shape.get(0).asLong();
                    long cols = shape.get(1).asLong();
                    shape.removeAll();
                    shape.add(rows * 2).add(cols / 2);
                    return;
                }
            }
            throw new IllegalStateException("no lora_A tensor in " + header);
        });
    }

    interface Edit {
        void apply(ObjectNode header, byte[] file, int dataStart) throws IOException;
    }

    static List<AdapterFile> rewrite(List<AdapterFile> files, Edit edit) throws IOException {
        AdapterFile weights = files.stream()
                .filter(f -> f.name().equals(AdapterFile.PEFT_WEIGHTS))
                .findFirst()
                .orElseThrow();
        byte[] bytes = weights.bytes();
        long headerLength =
                ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int dataStart = 8 + (int) headerLength;
        ObjectNode header = (ObjectNode)
                ApiJson.mapper().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        edit.apply(header, bytes, dataStart);
        byte[] newHeader = ApiJson.mapper().writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + newHeader.length + bytes.length - dataStart)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(newHeader.length).put(newHeader).put(bytes, dataStart, bytes.length - dataStart);
        return files.stream()
                .map(f -> f.name().equals(AdapterFile.PEFT_WEIGHTS) ? new AdapterFile(f.name(), out.array()) : f)
                .toList();
    }
}
