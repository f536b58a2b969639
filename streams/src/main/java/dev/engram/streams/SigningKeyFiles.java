package dev.engram.streams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
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
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Ed25519 signing key pair kept as two files in a directory, as workers keep the key they sign
 * candidates with and nodes the key they sign controls with: {@code <role>-key.pem} (the private
 * key, PKCS#8 in PEM, owner read/write only) and {@code <role>-key.pub} (the public key as one line
 * of a trusted-keys file, {@link TrustedWorkerKeys#line}). Made on first use; a directory with one
 * file and not the other, a private key others can read, or two files that do not belong together
 * is refused with what to do about it.
 *
 * <pre>{@code
 * KeyPair keys = SigningKeyFiles.loadOrCreate(Path.of(".engram/worker"), "worker", "nodes");
 * }</pre>
 */
public final class SigningKeyFiles {

    private static final Logger LOG = LoggerFactory.getLogger(SigningKeyFiles.class);
    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private SigningKeyFiles() {}

    /** The private key's file name for {@code role}, e.g. {@code worker-key.pem}. */
    public static String privateFile(String role) {
        return role + "-key.pem";
    }

    /** The public key's file name for {@code role}, e.g. {@code worker-key.pub}. */
    public static String publicFile(String role) {
        return role + "-key.pub";
    }

    /**
     * The key pair in {@code dir}, made (with the directory) when neither file is there. When two
     * processes make it at once, the second uses the first's.
     *
     * @param role {@code "worker"} or {@code "node"}: names the files, the messages and the
     *     {@code --trusted-<role>s} option that trusts the public file
     * @param trustedBy who must trust a new public file, e.g. {@code "nodes"} or {@code "other nodes"}
     * @throws IllegalStateException when only one of the two files is there, the private key file is
     *     readable by others than its owner, or the two files are unreadable or do not belong together
     * @throws UncheckedIOException when the files cannot be read or written
     */
    public static KeyPair loadOrCreate(Path dir, String role, String trustedBy) {
        Objects.requireNonNull(dir, "dir");
        try {
            if (!Files.exists(dir.resolve(privateFile(role))) && !Files.exists(dir.resolve(publicFile(role)))) {
                try {
                    return create(dir, role, trustedBy);
                } catch (FileAlreadyExistsException raced) {
                    // another process on the same directory made it first: use theirs
                }
            }
            return load(dir, role, trustedBy);
        } catch (IOException e) {
            throw new UncheckedIOException(role + " key in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static KeyPair create(Path dir, String role, String trustedBy) throws IOException {
        KeyPair keys;
        try {
            keys = KeyPairGenerator.getInstance(AdapterSignature.ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(AdapterSignature.ALGORITHM + " is missing from this JDK", e);
        }
        Files.createDirectories(dir);
        String pem = PEM_BEGIN + "\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'})
                        .encodeToString(keys.getPrivate().getEncoded())
                + "\n" + PEM_END + "\n";
        // Written under a temporary name, owner-only from the start and forced, then moved into place
        // after the public half: a crash in between leaves a lone public file, which load() reports.
        Path tmp = dir.resolve(privateFile(role) + ".tmp");
        Files.deleteIfExists(tmp);
        FileAttribute<?>[] ownerOnly = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        try (FileChannel channel =
                FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly)) {
            channel.write(ByteBuffer.wrap(pem.getBytes(StandardCharsets.US_ASCII)));
            channel.force(true);
        }
        String id = TrustedWorkerKeys.keyId(keys.getPublic());
        Path publicFile = dir.resolve(publicFile(role));
        try {
            Files.writeString(
                    publicFile,
                    TrustedWorkerKeys.line(keys.getPublic(), role + "-key " + id) + "\n",
                    StandardCharsets.US_ASCII);
            Files.move(tmp, dir.resolve(privateFile(role)), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        LOG.info(
                "made {} key {} in {} ({} trust it once {} is in their --trusted-{}s)",
                role,
                id,
                dir,
                trustedBy,
                publicFile,
                role);
        return keys;
    }

    private static KeyPair load(Path dir, String role, String trustedBy) throws IOException {
        Path privateFile = dir.resolve(privateFile(role));
        Path publicFile = dir.resolve(publicFile(role));
        if (!Files.exists(privateFile) || !Files.exists(publicFile)) {
            throw new IllegalStateException(role + " key in " + dir + ": "
                    + (Files.exists(privateFile) ? publicFile(role) : privateFile(role))
                    + " is missing; restore it, or delete the other file to make a new key (" + trustedBy
                    + " then need the new " + publicFile(role) + ")");
        }
        if (Files.getFileStore(privateFile).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(privateFile);
            if (!OWNER_ONLY.containsAll(perms)) {
                throw new IllegalStateException(role + " key " + privateFile + " can be read by others ("
                        + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + privateFile);
            }
        }
        KeyPair keys;
        try {
            String pem = Files.readString(privateFile, StandardCharsets.US_ASCII)
                    .replace(PEM_BEGIN, "")
                    .replace(PEM_END, "")
                    .replaceAll("\\s", "");
            PrivateKey privateKey = KeyFactory.getInstance(AdapterSignature.ALGORITHM)
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
            PublicKey publicKey = TrustedWorkerKeys.parse(
                    Files.readString(publicFile, StandardCharsets.US_ASCII).strip());
            keys = new KeyPair(publicKey, privateKey);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException(role + " key in " + dir + " is unreadable: " + e.getMessage(), e);
        }
        if (!belongTogether(keys)) {
            throw new IllegalStateException(role + " key in " + dir + ": " + publicFile(role)
                    + " is not the public half of " + privateFile(role) + "; restore the right " + publicFile(role)
                    + ", or delete both to make a new key");
        }
        return keys;
    }

    private static boolean belongTogether(KeyPair keys) {
        try {
            byte[] probe = "engram signing key check".getBytes(StandardCharsets.US_ASCII);
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
}
