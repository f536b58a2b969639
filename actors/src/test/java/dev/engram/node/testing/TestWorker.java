package dev.engram.node.testing;

import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.TrustedWorkerKeys;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;

/** A training worker's signing key for tests that publish adapter candidates to a shared node. */
public final class TestWorker {

    /** The key pair; the shared node trusts its public key. */
    public static final KeyPair KEYS = generate();

    /** What a node that admits this worker's candidates trusts. */
    public static final TrustedWorkerKeys TRUSTED = TrustedWorkerKeys.of(KEYS.getPublic());

    private TestWorker() {}

    /** {@code candidate} signed by this worker. */
    public static AdapterPublished sign(AdapterPublished candidate) {
        return AdapterSignature.sign(candidate, KEYS);
    }

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
