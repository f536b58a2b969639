package dev.engram.worker;

import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.TrustedWorkerKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's Ed25519 key pair, with which it signs every candidate it publishes
 * ({@link AdapterSignature}). Kept in the worker's key directory: {@value #PRIVATE_FILE} (PKCS#8,
 * PEM, owner read/write only) and {@value #PUBLIC_FILE} (one line of a trusted-keys file, see
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

    private static final Logger LOG = LoggerFactory.getLogger(WorkerKey.class);
    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

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
        Path privateFile = dir.resolve(PRIVATE_FILE);
        Path publicFile = dir.resolve(PUBLIC_FILE);
        try {
            if (!Files.exists(privateFile) && !Files.exists(publicFile)) {
                try {
                    return create(dir);
                } catch (FileAlreadyExistsException raced) {
                    // another worker on the same directory made it first: use theirs
                }
            }
            return load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("worker key in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static WorkerKey create(Path dir) throws IOException {
        KeyPair keys;
        try {
            keys = KeyPairGenerator.getInstance(AdapterSignature.ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(AdapterSignature.ALGORITHM + " is missing from this JDK", e);
        }
        Files.createDirectories(dir);
        String pem = PEM_BEGIN + "\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'})
                        .encodeToString(keys.getPrivate().getEncoded()) + "\n" + PEM_END + "\n";
        // Written under a temporary name with owner-only permissions from the start, then moved into place.
        Path tmp = dir.resolve(PRIVATE_FILE + ".tmp");
        Files.deleteIfExists(tmp);
        if (Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
        WorkerKey key = new WorkerKey(dir, keys);
        Files.writeString(
                dir.resolve(PUBLIC_FILE),
                TrustedWorkerKeys.line(keys.getPublic(), "worker-key " + key.id) + "\n",
                StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, dir.resolve(PRIVATE_FILE), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        LOG.info(
                "made worker key {} in {} (trust it on nodes: add {} to their --trusted-workers)",
                key.id,
                dir,
                dir.resolve(PUBLIC_FILE));
        return key;
    }

    private static WorkerKey load(Path dir) throws IOException {
        Path privateFile = dir.resolve(PRIVATE_FILE);
        Path publicFile = dir.resolve(PUBLIC_FILE);
        if (!Files.exists(privateFile) || !Files.exists(publicFile)) {
            throw new IllegalStateException(
                    "worker key in " + dir + ": " + (Files.exists(privateFile) ? PUBLIC_FILE : PRIVATE_FILE)
                            + " is missing; restore it, or delete the other file to make a new key (nodes "
                            + "then need the new " + PUBLIC_FILE + ")");
        }
        if (Files.getFileStore(privateFile).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(privateFile);
            if (!OWNER_ONLY.containsAll(perms)) {
                throw new IllegalStateException("worker key " + privateFile + " can be read by others ("
                        + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + privateFile);
            }
        }
        PrivateKey privateKey;
        PublicKey publicKey;
        try {
            String pem = Files.readString(privateFile, StandardCharsets.US_ASCII)
                    .replace(PEM_BEGIN, "")
                    .replace(PEM_END, "")
                    .replaceAll("\\s", "");
            privateKey = KeyFactory.getInstance(AdapterSignature.ALGORITHM)
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
            publicKey = TrustedWorkerKeys.parse(
                    Files.readString(publicFile, StandardCharsets.US_ASCII).strip());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("worker key in " + dir + " is unreadable: " + e.getMessage(), e);
        }
        KeyPair keys = new KeyPair(publicKey, privateKey);
        if (!belongTogether(keys)) {
            throw new IllegalStateException("worker key in " + dir + ": " + PUBLIC_FILE + " is not the public half of "
                    + PRIVATE_FILE + "; restore the right " + PUBLIC_FILE + ", or delete both to make a new key");
        }
        return new WorkerKey(dir, keys);
    }

    private static boolean belongTogether(KeyPair keys) {
        try {
            byte[] probe = "engram worker key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(AdapterSignature.ALGORITHM);
            s.initSign(keys.getPrivate());
            s.update(probe);
            byte[] signature = s.sign();
            s.initVerify(keys.getPublic());
            s.update(probe);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
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
