package dev.engram.worker;

import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.SigningKeyFiles;
import dev.engram.streams.TrustedWorkerKeys;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Objects;

/**
 * A worker's Ed25519 key pair, with which it signs every candidate it publishes
 * ({@link AdapterSignature}). Kept in the worker's key directory ({@link SigningKeyFiles}):
 * {@value #PRIVATE_FILE} (PKCS#8, PEM, owner read/write only) and {@value #PUBLIC_FILE} (one line of a trusted-keys file, see
 * {@link TrustedWorkerKeys}); made on first start. Nodes trust a worker once its
 * {@value #PUBLIC_FILE} is in their {@code --trusted-workers} file or directory.
 *
 * <pre>{@code
 * WorkerKey key = WorkerKey.loadOrCreate(Path.of(".engram/worker"));
 * AdapterPublished signed = key.sign(AdapterPublished.candidate(job, metrics, files, clock.instant()));
 * }</pre>
 */
public final class WorkerKey {

    /** The private key's file name in the key directory. */
    public static final String PRIVATE_FILE = "worker-key.pem";

    /** The public key's file name in the key directory (a trusted-keys line). */
    public static final String PUBLIC_FILE = "worker-key.pub";

    private final Path dir;
    private final KeyPair keys;
    private final String id;

    private WorkerKey(Path dir, KeyPair keys) {
        this.dir = dir;
        this.keys = keys;
        this.id = TrustedWorkerKeys.keyId(keys.getPublic());
    }

    /**
     * The key pair in {@code dir}, made (with the directory) when there is none.
     *
     * @throws IllegalStateException when only one of the two files is there, the private key file is
     *     readable by others than its owner, or the two files do not belong together
     * @throws UncheckedIOException when the files cannot be read or written
     */
    public static WorkerKey loadOrCreate(Path dir) {
        Objects.requireNonNull(dir, "dir");
        return new WorkerKey(dir, SigningKeyFiles.loadOrCreate(dir, "worker", "nodes"));
    }

    /** {@code candidate} with this worker's signature. */
    public AdapterPublished sign(AdapterPublished candidate) {
        return AdapterSignature.sign(candidate, keys);
    }

    /** The key id, e.g. {@code "ed25519:3f0c…"}, as signed records name it. */
    public String id() {
        return id;
    }

    public PublicKey publicKey() {
        return keys.getPublic();
    }

    /** The key directory. */
    public Path dir() {
        return dir;
    }

    /** The public key file to hand to nodes ({@code --trusted-workers}). */
    public Path publicKeyFile() {
        return dir.resolve(PUBLIC_FILE);
    }

    @Override
    public String toString() {
        return "WorkerKey[" + id + " in " + dir + "]";
    }
}
