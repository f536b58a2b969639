package dev.engram.streams;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.engram.streams.internal.ChunkChecks;
import dev.engram.streams.internal.FieldChecks;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The vector a node computed for one case, on the compacted {@link Topics#CASE_VECTORS} changelog
 * under the key {@link #key(String, String) tenant/caseId}: what lets a node that takes over a
 * partition rebuild its index without embedding every case again. The feedback topic already holds
 * the case's text and judgements (cheap to replay); the vector is the expensive part.
 *
 * <p>A reader uses a record only for the case it names, made by the document encoder it runs
 * itself ({@link #encoder()}), for the text it holds ({@link #textSha256()}), with the dimension it
 * expects, and only when a node key it trusts signed every field ({@link CaseVectorSignature}):
 * anything else is not a vector it can take, and the case is embedded instead.
 *
 * <pre>{@code
 * CaseVector v = CaseVector.of("acme", "evt-42", embedder.documentVectorId(), caseText, vector, nodeKeys);
 * producer.send(new ProducerRecord<>(Topics.CASE_VECTORS, partition, v.key(), ContinualCodec.encode(v)));
 * }</pre>
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param tenant the case's tenant
 * @param caseId the case (the event id that made it), non-blank, at most {@link EventLimits#MAX_ID_CHARS}
 * @param encoder what made the vector: the embedder's document-vector identity (model, adapter,
 *     maximum length), non-blank, at most {@value #MAX_ENCODER_CHARS} characters
 * @param dimension the vector's length, in [1, {@value #MAX_DIMENSION}]
 * @param textSha256 SHA-256 of the embedded text (UTF-8), 64 lower-case hex digits
 * @param vector the values as IEEE 754 float32, little-endian, {@code 4 * dimension} bytes, each finite
 * @param signerKeyId the node key that signed it ({@link AdapterSignature#KEY_ID_REGEX}), required
 * @param signature that node's Ed25519 signature over {@link CaseVectorSignature#signedBytes}, base64,
 *     required (whether it verifies, and with a trusted key, is for the reader to check)
 */
public record CaseVector(
        int schemaVersion,
        String tenant,
        String caseId,
        String encoder,
        int dimension,
        String textSha256,
        byte[] vector,
        String signerKeyId,
        String signature) {

    /** The version of the contract this code writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 1;

    /** The longest encoder identity. */
    public static final int MAX_ENCODER_CHARS = 512;

    /** The largest vector dimension. */
    public static final int MAX_DIMENSION = 4096;

    public CaseVector {
        FieldChecks.requireSchemaVersion("schemaVersion", schemaVersion, SCHEMA_VERSION);
        FieldChecks.requireTenant("tenant", tenant);
        FieldChecks.requireText("caseId", caseId, EventLimits.MAX_ID_CHARS);
        FieldChecks.requireText("encoder", encoder, MAX_ENCODER_CHARS);
        if (dimension < 1 || dimension > MAX_DIMENSION) {
            throw new InvalidEventException("dimension", "must be in [1, " + MAX_DIMENSION + "], was " + dimension);
        }
        ChunkChecks.requireSha256("textSha256", textSha256);
        if (vector == null) {
            throw new InvalidEventException("vector", "is required");
        }
        if (vector.length != 4 * dimension) {
            throw new InvalidEventException(
                    "vector",
                    "must hold 4 * dimension = " + 4 * dimension + " bytes (float32 each), was " + vector.length);
        }
        vector = vector.clone();
        float[] values = floats(vector);
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidEventException("vector", "value " + i + " must be finite, was " + values[i]);
            }
        }
        if (signerKeyId == null || signature == null) {
            throw new InvalidEventException(
                    signerKeyId == null ? "signerKeyId" : "signature",
                    "is required: the node that computed a vector signs its record, and nodes use only records"
                            + " signed by a node key they trust");
        }
        SignatureFields.check(
                signerKeyId, signature, "node", "a record names its signer's key and carries its signature");
    }

    /**
     * A record of the current schema version for {@code values}, the vector of {@code text}, signed
     * with {@code keys} (the node's Ed25519 pair, {@link CaseVectorSignature}).
     *
     * @throws InvalidEventException when a field is not valid (a value not finite, a blank encoder)
     * @throws IllegalArgumentException when the keys are not Ed25519
     */
    public static CaseVector of(
            String tenant, String caseId, String encoder, String text, float[] values, KeyPair keys) {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(keys, "keys");
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        byte[] bytes = buffer.array();
        String sha = textSha256(text);
        String signature = CaseVectorSignature.signature(
                CaseVectorSignature.signedBytes(SCHEMA_VERSION, tenant, caseId, encoder, values.length, sha, bytes),
                keys,
                key(tenant, caseId));
        return new CaseVector(
                SCHEMA_VERSION,
                tenant,
                caseId,
                encoder,
                values.length,
                sha,
                bytes,
                TrustedWorkerKeys.keyId(keys.getPublic()),
                signature);
    }

    /** The record key on {@link Topics#CASE_VECTORS}: {@code tenant/caseId} (a tenant holds no '/'). */
    public static String key(String tenant, String caseId) {
        return tenant + "/" + caseId;
    }

    /** SHA-256 of {@code text} in UTF-8, lower-case hex: what {@link #textSha256()} must equal. */
    public static String textSha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** This record's key, {@link #key(String, String)}. */
    public String key() {
        return key(tenant, caseId);
    }

    /** A copy of the raw bytes. */
    @Override
    public byte[] vector() {
        return vector.clone();
    }

    /** The vector's values. */
    @JsonIgnore
    public float[] values() {
        return floats(vector);
    }

    private static float[] floats(byte[] bytes) {
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CaseVector c
                && schemaVersion == c.schemaVersion
                && dimension == c.dimension
                && tenant.equals(c.tenant)
                && caseId.equals(c.caseId)
                && encoder.equals(c.encoder)
                && textSha256.equals(c.textSha256)
                && Arrays.equals(vector, c.vector)
                && signerKeyId.equals(c.signerKeyId)
                && signature.equals(c.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                schemaVersion,
                tenant,
                caseId,
                encoder,
                dimension,
                textSha256,
                Arrays.hashCode(vector),
                signerKeyId,
                signature);
    }

    @Override
    public String toString() {
        return "CaseVector[" + key() + ", encoder " + encoder + ", " + dimension + " dims, text " + textSha256
                + ", signed by " + signerKeyId + "]";
    }
}
