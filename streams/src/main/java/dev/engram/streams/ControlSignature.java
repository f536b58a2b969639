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
 * What a node signs when it publishes an operator's control, and how nodes check it: Ed25519 over
 * {@link #signedBytes}, which cover every field of the {@link AdapterControl} (the adapter, the
 * action, the version, the operator, who is the principal the node authenticated, the reason and
 * when). Whoever can write {@code engram.adapters} but holds no trusted node's private key can
 * neither issue a control nor change one, nor put an operator's name on it.
 *
 * <pre>{@code
 * AdapterControl signed = ControlSignature.sign(AdapterControl.pin("acme-retriever", 3, "ana", "", now), nodeKeys);
 * AdapterSignature.Check check = ControlSignature.verify(signed, trustedNodes);
 * }</pre>
 */
public final class ControlSignature {

    private static final String DOMAIN = "engram-control-signature/1";

    private ControlSignature() {}

    /**
     * The bytes a node signs for {@code control}: the domain line {@code engram-control-signature/1},
     * then each field as {@code name=<length>:<value>\n} (length in UTF-8 bytes): schemaVersion,
     * adapterName, action, version ({@code "none"} for UNPIN), operator, reason and issuedAt (as
     * {@link java.time.Instant#toString}).
     */
    public static byte[] signedBytes(AdapterControl control) {
        Objects.requireNonNull(control, "control");
        AdapterSignature.Fields f = new AdapterSignature.Fields(DOMAIN);
        f.add("schemaVersion", Integer.toString(control.schemaVersion()));
        f.add("adapterName", control.adapterName());
        f.add("action", control.action().name());
        f.add("version", control.version() == null ? "none" : Long.toString(control.version()));
        f.add("operator", control.operator());
        f.add("reason", control.reason());
        f.add("issuedAt", control.issuedAt().toString());
        return f.bytes();
    }

    /**
     * {@code control} signed with {@code keys} (a node's Ed25519 pair).
     *
     * @throws IllegalArgumentException when the keys are not Ed25519
     */
    public static AdapterControl sign(AdapterControl control, KeyPair keys) {
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(keys, "keys");
        try {
            Signature s = Signature.getInstance(AdapterSignature.ALGORITHM);
            s.initSign(keys.getPrivate());
            s.update(signedBytes(control));
            return control.signed(
                    TrustedWorkerKeys.keyId(keys.getPublic()),
                    Base64.getEncoder().encodeToString(s.sign()));
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(
                    "the node key is not an " + AdapterSignature.ALGORITHM + " key: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing " + control.key() + " failed: " + e.getMessage(), e);
        }
    }

    /** Whether one of {@code trusted} signed exactly this control (every field). */
    public static AdapterSignature.Check verify(AdapterControl control, TrustedNodeKeys trusted) {
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(trusted, "trusted");
        String keyId = control.signerKeyId();
        if (keyId == null) {
            return new AdapterSignature.Check(
                    false,
                    null,
                    "unsigned: only controls signed by a trusted node key are applied (nodes sign every pin, "
                            + "unpin and rollback an operator makes through their HTTP API)");
        }
        PublicKey key = trusted.get(keyId).orElse(null);
        if (key == null) {
            return new AdapterSignature.Check(
                    false,
                    keyId,
                    "signed by node key " + keyId + ", which is not trusted here (trusted: " + trusted.ids()
                            + "; add that node's node-key.pub to --trusted-nodes)");
        }
        try {
            Signature s = Signature.getInstance(AdapterSignature.ALGORITHM);
            s.initVerify(key);
            s.update(signedBytes(control));
            if (s.verify(Base64.getDecoder().decode(control.signature()))) {
                return new AdapterSignature.Check(true, keyId, "");
            }
        } catch (SignatureException | IllegalArgumentException e) {
            // a malformed signature is a signature that does not verify
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("verifying " + control.key() + " failed: " + e.getMessage(), e);
        }
        return new AdapterSignature.Check(
                false,
                keyId,
                "its signature does not verify with node key " + keyId
                        + ": its adapter, action, version, operator, reason or time differ from what that node "
                        + "signed (altered or forged)");
    }
}
