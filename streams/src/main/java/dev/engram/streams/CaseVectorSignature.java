package dev.engram.streams;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Base64;
import java.util.Objects;

/**
 * What a node signs when it records a case's vector on {@link Topics#CASE_VECTORS}, and how a node
 * that takes the partition over checks it: Ed25519 over {@link #signedBytes}, which cover every
 * field of the {@link CaseVector} (the case, the encoder, the dimension, the text's SHA-256 and the
 * vector itself). The case's text is no secret, so its hash proves nothing about who made the
 * vector: whoever can write the topic but holds no trusted node's private key could otherwise put
 * a vector there that ranks a case first for every query.
 *
 * <pre>{@code
 * CaseVector v = CaseVector.of("acme", "evt-42", embedder.documentVectorId(), caseText, vector, nodeKeys);
 * AdapterSignature.Check check = CaseVectorSignature.verify(v, trustedNodes);
 * }</pre>
 */
public final class CaseVectorSignature {

    private static final String DOMAIN = "engram-case-vector-signature/1";

    private CaseVectorSignature() {}

    /**
     * The bytes a node signs for {@code vector}: the domain line {@code engram-case-vector-signature/1},
     * then each field as {@code name=<length>:<value>\n} (length in UTF-8 bytes): schemaVersion,
     * tenant, caseId, encoder, dimension, textSha256 and vector (its bytes in base64, as on the wire).
     */
    public static byte[] signedBytes(CaseVector vector) {
        Objects.requireNonNull(vector, "vector");
        return signedBytes(
                vector.schemaVersion(),
                vector.tenant(),
                vector.caseId(),
                vector.encoder(),
                vector.dimension(),
                vector.textSha256(),
                vector.vector());
    }

    static byte[] signedBytes(
            int schemaVersion,
            String tenant,
            String caseId,
            String encoder,
            int dimension,
            String textSha256,
            byte[] vector) {
        AdapterSignature.Fields f = new AdapterSignature.Fields(DOMAIN);
        f.add("schemaVersion", Integer.toString(schemaVersion));
        f.add("tenant", tenant);
        f.add("caseId", caseId);
        f.add("encoder", encoder);
        f.add("dimension", Integer.toString(dimension));
        f.add("textSha256", textSha256);
        f.add("vector", Base64.getEncoder().encodeToString(vector));
        return f.bytes();
    }

    /**
     * The same record signed with {@code keys} (a node's Ed25519 pair) instead of its signer's.
     *
     * @throws IllegalArgumentException when the keys are not Ed25519
     */
    public static CaseVector sign(CaseVector vector, KeyPair keys) {
        Objects.requireNonNull(vector, "vector");
        String signature = signature(signedBytes(vector), keys, vector.key());
        return new CaseVector(
                vector.schemaVersion(),
                vector.tenant(),
                vector.caseId(),
                vector.encoder(),
                vector.dimension(),
                vector.textSha256(),
                vector.vector(),
                TrustedWorkerKeys.keyId(keys.getPublic()),
                signature);
    }

    /** The base64 Ed25519 signature of {@code bytes} with {@code keys}; {@code what} names the record in errors. */
    static String signature(byte[] bytes, KeyPair keys, String what) {
        Objects.requireNonNull(keys, "keys");
        try {
            Signature s = Signature.getInstance(AdapterSignature.ALGORITHM);
            s.initSign(keys.getPrivate());
            s.update(bytes);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(
                    "the node key is not an " + AdapterSignature.ALGORITHM + " key: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing the vector of " + what + " failed: " + e.getMessage(), e);
        }
    }

    /** Whether one of {@code trusted} signed exactly this record (every field, every byte of the vector). */
    public static AdapterSignature.Check verify(CaseVector vector, TrustedNodeKeys trusted) {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(trusted, "trusted");
        String keyId = vector.signerKeyId();
        PublicKey key = trusted.get(keyId).orElse(null);
        if (key == null) {
            return new AdapterSignature.Check(
                    false,
                    keyId,
                    "is signed by node key " + keyId + ", which is not trusted here (trusted: " + trusted.ids()
                            + "; add that node's node-key.pub to --trusted-nodes)");
        }
        try {
            Signature s = Signature.getInstance(AdapterSignature.ALGORITHM);
            s.initVerify(key);
            s.update(signedBytes(vector));
            if (s.verify(Base64.getDecoder().decode(vector.signature()))) {
                return new AdapterSignature.Check(true, keyId, "");
            }
        } catch (SignatureException | IllegalArgumentException e) {
            // a malformed signature is a signature that does not verify
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "verifying the vector of " + vector.key() + " failed: " + e.getMessage(), e);
        }
        return new AdapterSignature.Check(
                false,
                keyId,
                "has a signature that does not verify with node key " + keyId
                        + ": its case, encoder, dimension, text hash or vector differ from what that node signed"
                        + " (altered or forged)");
    }
}
