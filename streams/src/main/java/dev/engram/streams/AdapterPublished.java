package dev.engram.streams;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.engram.streams.internal.ChunkChecks;
import dev.engram.streams.internal.ChunkRecord;
import dev.engram.streams.internal.FieldChecks;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One version of a tenant's adapter (a retriever adapter, or an {@link AdapterKind#AGENT_MODEL}
 * adapter for the agents' own model) with its files, metrics and status: the event on the compacted
 * {@link Topics#ADAPTERS} topic. {@link AdapterPublisher} writes it (chunked when large),
 * {@link AdapterAssembler} reads it back only when complete and verified.
 *
 * <pre>{@code
 * AdapterPublished candidate = AdapterSignature.sign(AdapterPublished.candidate(job, metrics,
 *     List.of(new AdapterFile(AdapterFile.PEFT_CONFIG, configJson),
 *             new AdapterFile(AdapterFile.PEFT_WEIGHTS, safetensors)), clock.instant()), workerKeyPair);
 * publisher.publish(candidate);   // every node verifies the signature, then its own gate decides
 * }</pre>
 *
 * <p><b>Status.</b> Workers publish {@link AdapterStatus#CANDIDATE}s, signed. Nodes decide each
 * candidate with their own gate and never serve a version because its record says
 * {@link AdapterStatus#PROMOTED}: the other statuses are for readers' listings and tests.
 *
 * <p><b>Payload.</b> The payload is the files' bytes concatenated in list order;
 * {@link #payloadSha256()} and {@link #payloadSize()} describe it, and the constructor checks them
 * against the files, so an instance always holds exactly the bytes that were hashed.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param adapterName {@link #ADAPTER_NAME_REGEX}, e.g. {@code "acme-retriever"}; every record key
 *     of this adapter starts with it (see {@link AdapterPublisher})
 * @param tenant whose adapter it is
 * @param version >= 1, increasing per adapter (the job's {@link TrainingJob#targetVersion()})
 * @param parentVersion the version it was trained from; null when trained from the base model;
 *     below {@code version}
 * @param baseModelId the encoder it adapts
 * @param method query-side or symmetric LoRA for a retriever adapter, {@link AdapterMethod#POLICY_ONLY}
 *     for a retriever version that carries only its ranker policy (no adapter; the base encoder's
 *     query tower), {@link AdapterMethod#LORA_CAUSAL_LM} exactly for an agent-model adapter
 * @param config the shape and settings it was trained with (the files hold PEFT's own config too;
 *     for a policy-only version, the settings the job asked for)
 * @param metrics candidate vs parent on held-out and retention queries: required for a retriever
 *     adapter, null for an agent-model adapter (its figures are {@code planLoss})
 * @param status candidate, promoted or rejected
 * @param statusReason why (required for {@link AdapterStatus#REJECTED}; {@code ""} when none), at
 *     most {@value #MAX_REASON_CHARS} characters
 * @param jobId the training job that made it
 * @param payloadSha256 SHA-256 of the payload, 64 lower-case hex digits
 * @param payloadSize the payload's length in bytes, at most {@link #MAX_PAYLOAD_BYTES}
 * @param files 1 to {@value #MAX_FILES} files with distinct names, including
 *     {@link AdapterFile#PEFT_CONFIG} and {@link AdapterFile#PEFT_WEIGHTS}; for
 *     {@link AdapterMethod#POLICY_ONLY}, {@link AdapterFile#RANKER_POLICY} and neither PEFT file
 * @param createdAt when the worker made this version (kept across status changes)
 * @param signerKeyId the worker key that signed it ({@link AdapterSignature#KEY_ID_REGEX}); null
 *     when unsigned, which no node serves. Given together with {@code signature}
 * @param signature the worker's Ed25519 signature over {@link AdapterSignature#signedBytes}, base64
 *     (64 bytes); null when unsigned
 * @param kind what it adapts: {@link AdapterKind#RETRIEVER} (also when absent on the wire) or
 *     {@link AdapterKind#AGENT_MODEL}
 * @param planLoss the plan-loss gate's verdict: required for {@link AdapterKind#AGENT_MODEL}, null
 *     for a retriever adapter
 */
public record AdapterPublished(
        int schemaVersion,
        String adapterName,
        String tenant,
        long version,
        Long parentVersion,
        String baseModelId,
        AdapterMethod method,
        LoraTrainingConfig config,
        AdapterMetrics metrics,
        AdapterStatus status,
        String statusReason,
        String jobId,
        String payloadSha256,
        long payloadSize,
        List<AdapterFile> files,
        Instant createdAt,
        String signerKeyId,
        String signature,
        AdapterKind kind,
        PlanLossMetrics planLoss) {

    /** The version of the adapter contract this code writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 1;

    /** What an adapter name looks like: 1-128 of {@code [a-z0-9._-]}, starting with a letter or digit (no '/'). */
    public static final String ADAPTER_NAME_REGEX = "[a-z0-9][a-z0-9._-]{0,127}";

    /** Largest payload: 128 MiB. */
    public static final long MAX_PAYLOAD_BYTES = 128L * 1024 * 1024;

    /** Most files per adapter: 16. */
    public static final int MAX_FILES = 16;

    /** Longest status reason: 4,096 characters. */
    public static final int MAX_REASON_CHARS = 4_096;

    static final Pattern ADAPTER_NAME = Pattern.compile(ADAPTER_NAME_REGEX);

    public AdapterPublished {
        if (schemaVersion > SCHEMA_VERSION) {
            throw new InvalidEventException(
                    "schemaVersion",
                    "version " + schemaVersion + " is newer than this reader understands (up to " + SCHEMA_VERSION
                            + "); upgrade Engram to read it");
        }
        ChunkChecks.atLeast("schemaVersion", schemaVersion, 1);
        ChunkChecks.requireMatch(
                "adapterName",
                adapterName,
                ADAPTER_NAME,
                "1-128 of [a-z0-9._-] starting with a letter or digit, e.g. 'acme-retriever'");
        FieldChecks.requireTenant("tenant", tenant);
        ChunkChecks.atLeast("version", version, 1);
        if (parentVersion != null && (parentVersion < 1 || parentVersion >= version)) {
            throw new InvalidEventException(
                    "parentVersion", "must be in [1, version " + version + "), was " + parentVersion);
        }
        FieldChecks.requireText("baseModelId", baseModelId, TrainingJob.MAX_MODEL_ID_CHARS);
        ChunkChecks.requireNonNull("method", method);
        ChunkChecks.requireNonNull("config", config);
        kind = kind == null ? AdapterKind.RETRIEVER : kind;
        checkKind(kind, method, metrics, planLoss);
        ChunkChecks.requireNonNull("status", status);
        statusReason = FieldChecks.optionalText("statusReason", statusReason, MAX_REASON_CHARS);
        if (status == AdapterStatus.REJECTED && statusReason.isBlank()) {
            throw new InvalidEventException("statusReason", "is required when status is REJECTED: say why");
        }
        ChunkChecks.requireMatch("jobId", jobId, TrainingJob.JOB_ID, "a training job id, " + TrainingJob.JOB_ID_REGEX);
        ChunkChecks.requireSha256("payloadSha256", payloadSha256);
        files = ChunkChecks.list("files", files, 1, MAX_FILES);
        checkFiles(method, files);
        long size = files.stream().mapToLong(AdapterFile::size).sum();
        if (size > MAX_PAYLOAD_BYTES) {
            throw new InvalidEventException(
                    "files", "payload of " + size + " bytes is over the limit of " + MAX_PAYLOAD_BYTES + " bytes");
        }
        if (payloadSize != size) {
            throw new InvalidEventException(
                    "payloadSize", "says " + payloadSize + " bytes but the files hold " + size + " bytes");
        }
        String actual = ChunkRecord.sha256Hex(concat(files, size));
        if (!actual.equals(payloadSha256)) {
            throw new InvalidEventException(
                    "payloadSha256",
                    "does not match the files: expected " + payloadSha256 + ", the files hash to " + actual
                            + " (corrupted in transit or built wrongly)");
        }
        ChunkChecks.requireNonNull("createdAt", createdAt);
        checkSignature(signerKeyId, signature);
    }

    /**
     * An adapter whose payload checksum and size are computed from {@code files}.
     *
     * @throws InvalidEventException naming the field, when any part breaks the contract
     */
    public static AdapterPublished of(
            String adapterName,
            String tenant,
            long version,
            Long parentVersion,
            String baseModelId,
            AdapterMethod method,
            LoraTrainingConfig config,
            AdapterMetrics metrics,
            AdapterStatus status,
            String statusReason,
            String jobId,
            List<AdapterFile> files,
            Instant createdAt) {
        List<AdapterFile> checked = ChunkChecks.list("files", files, 1, MAX_FILES);
        long size = checked.stream().mapToLong(AdapterFile::size).sum();
        if (size > MAX_PAYLOAD_BYTES) {
            throw new InvalidEventException(
                    "files", "payload of " + size + " bytes is over the limit of " + MAX_PAYLOAD_BYTES + " bytes");
        }
        return new AdapterPublished(
                SCHEMA_VERSION,
                adapterName,
                tenant,
                version,
                parentVersion,
                baseModelId,
                method,
                config,
                metrics,
                status,
                statusReason,
                jobId,
                ChunkRecord.sha256Hex(concat(checked, size)),
                size,
                checked,
                createdAt,
                null,
                null,
                AdapterKind.RETRIEVER,
                null);
    }

    /**
     * The {@link AdapterStatus#CANDIDATE} a worker publishes for {@code job}: name, tenant, version
     * ({@link TrainingJob#targetVersion()}), parent, base model, method and config come from the job.
     */
    public static AdapterPublished candidate(
            TrainingJob job, AdapterMetrics metrics, List<AdapterFile> files, Instant createdAt) {
        return candidate(job, job.method(), metrics, files, createdAt);
    }

    /**
     * As {@link #candidate(TrainingJob, AdapterMetrics, List, Instant)} with another {@code method}:
     * {@link AdapterMethod#POLICY_ONLY} when the worker publishes the round's ranker policy without
     * the adapter it trained (the adapter did not beat the base encoder).
     */
    public static AdapterPublished candidate(
            TrainingJob job, AdapterMethod method, AdapterMetrics metrics, List<AdapterFile> files, Instant createdAt) {
        return of(
                job.adapterName(),
                job.tenant(),
                job.targetVersion(),
                job.baseAdapterVersion(),
                job.baseModelId(),
                method,
                job.config(),
                metrics,
                AdapterStatus.CANDIDATE,
                "",
                job.jobId(),
                files,
                createdAt);
    }

    /**
     * The same version with another status and the same signature (which covers the candidate, so
     * readers can still tell who made it; no node serves a version on its record's status).
     */
    public AdapterPublished withStatus(AdapterStatus status, String reason) {
        return new AdapterPublished(
                schemaVersion,
                adapterName,
                tenant,
                version,
                parentVersion,
                baseModelId,
                method,
                config,
                metrics,
                status,
                reason,
                jobId,
                payloadSha256,
                payloadSize,
                files,
                createdAt,
                signerKeyId,
                signature,
                kind,
                planLoss);
    }

    /** The same version carrying a signature; {@link AdapterSignature#sign} makes one. */
    public AdapterPublished signed(String signerKeyId, String signature) {
        return new AdapterPublished(
                schemaVersion,
                adapterName,
                tenant,
                version,
                parentVersion,
                baseModelId,
                method,
                config,
                metrics,
                status,
                statusReason,
                jobId,
                payloadSha256,
                payloadSize,
                files,
                createdAt,
                signerKeyId,
                signature,
                kind,
                planLoss);
    }

    /**
     * The {@link AdapterKind#AGENT_MODEL} candidate a trainer publishes: a LoRA for the agents' own
     * model in PEFT layout ({@link AdapterFile#PEFT_CONFIG}, {@link AdapterFile#PEFT_WEIGHTS}) with the
     * plan-loss gate's verdict. Sign it with {@link AdapterSignature#sign} before publishing.
     *
     * @throws InvalidEventException naming the field, when any part breaks the contract
     */
    public static AdapterPublished agentModelCandidate(
            String adapterName,
            String tenant,
            long version,
            Long parentVersion,
            String baseModelId,
            LoraTrainingConfig config,
            PlanLossMetrics planLoss,
            String jobId,
            List<AdapterFile> files,
            Instant createdAt) {
        List<AdapterFile> checked = ChunkChecks.list("files", files, 1, MAX_FILES);
        long size = checked.stream().mapToLong(AdapterFile::size).sum();
        if (size > MAX_PAYLOAD_BYTES) {
            throw new InvalidEventException(
                    "files", "payload of " + size + " bytes is over the limit of " + MAX_PAYLOAD_BYTES + " bytes");
        }
        return new AdapterPublished(
                SCHEMA_VERSION,
                adapterName,
                tenant,
                version,
                parentVersion,
                baseModelId,
                AdapterMethod.LORA_CAUSAL_LM,
                config,
                null,
                AdapterStatus.CANDIDATE,
                "",
                jobId,
                ChunkRecord.sha256Hex(concat(checked, size)),
                size,
                checked,
                createdAt,
                null,
                null,
                AdapterKind.AGENT_MODEL,
                planLoss);
    }

    /** The file with this name, e.g. {@link AdapterFile#PEFT_WEIGHTS}. */
    public Optional<AdapterFile> file(String name) {
        return files.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** The payload: the files' bytes concatenated in list order (what {@link #payloadSha256()} hashes). */
    public byte[] payload() {
        return concat(files, payloadSize);
    }

    /** The record key of this version on {@link Topics#ADAPTERS}: {@code "<adapterName>/v<version>"}. */
    @JsonIgnore
    public String key() {
        return AdapterKey.version(adapterName, version).toString();
    }

    @Override
    public String toString() {
        return "AdapterPublished[" + adapterName + " v" + version + " (parent "
                + (parentVersion == null ? "base" : "v" + parentVersion) + "), tenant " + tenant + ", " + status
                + (statusReason.isEmpty() ? "" : " (" + statusReason + ")") + ", " + method + ", job " + jobId
                + ", " + files.size() + " files, " + payloadSize + " bytes, sha256 " + payloadSha256.substring(0, 12)
                + "…, " + kind + ", "
                + (metrics != null
                        ? "held-out " + metrics.heldOutNdcg10() + " vs " + metrics.parentHeldOutNdcg10()
                        : "plan loss " + planLoss.candidateNll() + " vs " + planLoss.servingNll()
                                + (planLoss.promote() ? " (gate: promote)" : " (gate: reject)"))
                + ", created " + createdAt + ", " + (signerKeyId == null ? "unsigned" : "signed by " + signerKeyId)
                + "]";
    }

    private static void checkKind(
            AdapterKind kind, AdapterMethod method, AdapterMetrics metrics, PlanLossMetrics planLoss) {
        ChunkChecks.requireNonNull("method", method);
        boolean agentModel = kind == AdapterKind.AGENT_MODEL;
        if (agentModel != (method == AdapterMethod.LORA_CAUSAL_LM)) {
            throw new InvalidEventException(
                    "method",
                    agentModel
                            ? "must be " + AdapterMethod.LORA_CAUSAL_LM + " for an agent-model adapter, was " + method
                            : method + " is for agent-model adapters: set kind to " + AdapterKind.AGENT_MODEL);
        }
        if (agentModel) {
            if (metrics != null) {
                throw new InvalidEventException(
                        "metrics", "must be absent for an agent-model adapter: its gate's figures are in planLoss");
            }
            ChunkChecks.requireNonNull("planLoss", planLoss);
        } else {
            ChunkChecks.requireNonNull("metrics", metrics);
            if (planLoss != null) {
                throw new InvalidEventException(
                        "planLoss", "is only for agent-model adapters (kind " + AdapterKind.AGENT_MODEL + ")");
            }
        }
    }

    private static void checkSignature(String signerKeyId, String signature) {
        SignatureFields.check(
                signerKeyId, signature, "worker", "a signed version names its key and carries its signature");
    }

    private static void checkFiles(AdapterMethod method, List<AdapterFile> files) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < files.size(); i++) {
            Integer earlier = seen.putIfAbsent(files.get(i).name(), i);
            if (earlier != null) {
                throw new InvalidEventException(
                        "files[" + i + "].name",
                        "duplicate file '" + files.get(i).name() + "', already at files[" + earlier + "]");
            }
        }
        if (!method.hasAdapter()) {
            if (!seen.containsKey(AdapterFile.RANKER_POLICY)) {
                throw new InvalidEventException(
                        "files",
                        "must include " + AdapterFile.RANKER_POLICY + " (method " + method
                                + " carries only a ranker policy), had " + seen.keySet());
            }
            for (String forbidden : List.of(AdapterFile.PEFT_CONFIG, AdapterFile.PEFT_WEIGHTS)) {
                if (seen.containsKey(forbidden)) {
                    throw new InvalidEventException(
                            "files",
                            "must not include " + forbidden + ": method " + method
                                    + " carries no adapter (publish lora-query-side to ship weights)");
                }
            }
            return;
        }
        for (String required : List.of(AdapterFile.PEFT_CONFIG, AdapterFile.PEFT_WEIGHTS)) {
            if (!seen.containsKey(required)) {
                throw new InvalidEventException(
                        "files", "must include " + required + " (a PEFT adapter), had " + seen.keySet());
            }
        }
    }

    private static byte[] concat(List<AdapterFile> files, long size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
        files.forEach(f -> f.writeTo(out));
        return out.toByteArray();
    }
}
