package dev.engram.node.auth;

import dev.engram.streams.AdapterControl;
import dev.engram.streams.CaseVector;
import dev.engram.streams.CaseVectorSignature;
import dev.engram.streams.ControlSignature;
import dev.engram.streams.SigningKeyFiles;
import dev.engram.streams.TrustedWorkerKeys;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Objects;

/**
 * A node's Ed25519 key pair, with which it signs every operator control it publishes
 * ({@link ControlSignature}) and every case vector it records ({@link CaseVectorSignature}). Kept
 * in the node's data directory ({@link SigningKeyFiles}): {@value #PRIVATE_FILE} (PKCS#8, PEM, owner
 * read/write only, like the admin API key) and {@value #PUBLIC_FILE} (one line of a trusted-keys
 * file); made on first start. Other nodes apply this node's controls, and take the vectors it
 * recorded when one of its partitions moves to them, once its {@value #PUBLIC_FILE} is in their
 * {@code --trusted-nodes} file or directory.
 *
 * <pre>{@code
 * NodeKey key = NodeKey.loadOrCreate(dataDir);
 * publisher.publish(key.sign(AdapterControl.pin("acme-retriever", 3, principal.name(), "", clock.instant())));
 * }</pre>
 */
public final class NodeKey {

    /** The private key's file name in the data directory. */
    public static final String PRIVATE_FILE = "node-key.pem";

    /** The public key's file name in the data directory (a trusted-keys line). */
    public static final String PUBLIC_FILE = "node-key.pub";

    private final Path dataDir;
    private final KeyPair keys;
    private final String id;

    private NodeKey(Path dataDir, KeyPair keys) {
        this.dataDir = dataDir;
        this.keys = keys;
        this.id = TrustedWorkerKeys.keyId(keys.getPublic());
    }

    /**
     * The key pair in {@code dataDir}, made when there is none.
     *
     * @throws IllegalStateException when only one of the two files is there, the private key file is
     *     readable by others than its owner, or the two files do not belong together
     * @throws UncheckedIOException when the files cannot be read or written
     */
    public static NodeKey loadOrCreate(Path dataDir) {
        Objects.requireNonNull(dataDir, "dataDir");
        return new NodeKey(dataDir, SigningKeyFiles.loadOrCreate(dataDir, "node", "other nodes"));
    }

    /** {@code control} signed by this node. */
    public AdapterControl sign(AdapterControl control) {
        return ControlSignature.sign(control, keys);
    }

    /**
     * The vector of a case, {@code values} of {@code text}, as this node records it: signed.
     *
     * @throws dev.engram.streams.InvalidEventException when a field is not valid (a value not finite)
     */
    public CaseVector signVector(String tenant, String caseId, String encoder, String text, float[] values) {
        return CaseVector.of(tenant, caseId, encoder, text, values, keys);
    }

    /** The key id, e.g. {@code "ed25519:9a1e…"}, as signed controls name it. */
    public String id() {
        return id;
    }

    public PublicKey publicKey() {
        return keys.getPublic();
    }

    /** The public key file to hand to other nodes ({@code --trusted-nodes}). */
    public Path publicKeyFile() {
        return dataDir.resolve(PUBLIC_FILE);
    }

    @Override
    public String toString() {
        return "NodeKey[" + id + " in " + dataDir + "]";
    }
}
