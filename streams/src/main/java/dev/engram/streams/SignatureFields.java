package dev.engram.streams;

import dev.engram.streams.internal.ChunkChecks;
import java.util.Base64;

/**
 * The form of a record's {@code signerKeyId} and {@code signature} fields (both or neither; a key id
 * and a base64 Ed25519 signature), shared by {@link AdapterPublished}, {@link AdapterControl} and
 * {@link CaseVector} (which requires them). Whether the signature verifies is for
 * {@link AdapterSignature}, {@link ControlSignature} and {@link CaseVectorSignature}.
 */
final class SignatureFields {

    private SignatureFields() {}

    /**
     * @param signer whose key signs such records, e.g. {@code "worker"}
     * @param both why the two go together, for the error
     */
    static void check(String signerKeyId, String signature, String signer, String both) {
        if ((signerKeyId == null) != (signature == null)) {
            throw new InvalidEventException(
                    signerKeyId == null ? "signerKeyId" : "signature",
                    "is required when " + (signerKeyId == null ? "signature" : "signerKeyId") + " is given: " + both
                            + ", an unsigned one has neither");
        }
        if (signerKeyId == null) {
            return;
        }
        ChunkChecks.requireMatch(
                "signerKeyId",
                signerKeyId,
                AdapterSignature.KEY_ID,
                "a " + signer + " key id, " + AdapterSignature.KEY_ID_REGEX);
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(
                    "signature", "must be base64 (RFC 4648, padded with '='): " + e.getMessage());
        }
        if (bytes.length != AdapterSignature.SIGNATURE_BYTES
                || !signature.equals(Base64.getEncoder().encodeToString(bytes))) {
            throw new InvalidEventException(
                    "signature",
                    "must be the base64 of a " + AdapterSignature.SIGNATURE_BYTES
                            + "-byte Ed25519 signature (88 characters), had " + signature.length() + " characters");
        }
    }
}
