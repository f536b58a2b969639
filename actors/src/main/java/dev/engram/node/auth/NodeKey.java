package dev.engram.node.auth;

import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.ControlSignature;
import dev.engram.streams.TrustedNodeKeys;
import dev.engram.streams.TrustedWorkerKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's Ed25519 key pair, with which it signs every operator control it publishes
 * ({@link ControlSignature}). Kept in the node's data directory: {@value #PRIVATE_FILE} (PKCS#8,
 * PEM, owner read/write only, like the admin API key) and {@value #PUBLIC_FILE} (one line of a
 * trusted-keys file); made on first start. Other nodes apply this node's controls once its
 * {@value #PUBLIC_FILE} is in their {@code --trusted-nodes} file or directory.
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

    private static final Logger LOG = LoggerFactory.getLogger(NodeKey.class);
    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

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
        Path privateFile = dataDir.resolve(PRIVATE_FILE);
        Path publicFile = dataDir.resolve(PUBLIC_FILE);
        try {
            if (!Files.exists(privateFile) && !Files.exists(publicFile)) {
                return create(dataDir);
            }
            return load(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("node key in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static NodeKey create(Path dataDir) throws IOException {
        KeyPair keys;
        try {
            keys = KeyPairGenerator.getInstance(AdapterSignature.ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(AdapterSignature.ALGORITHM + " is missing from this JDK", e);
        }
        Files.createDirectories(dataDir);
        NodeKey key = new NodeKey(dataDir, keys);
        // The public half first: a crash in between leaves a lone public file, which load() reports.
        Files.writeString(
                dataDir.resolve(PUBLIC_FILE),
                TrustedWorkerKeys.line(keys.getPublic(), "node-key " + key.id) + "\n",
                StandardCharsets.US_ASCII);
        OwnerOnlyFiles.replace(
                dataDir.resolve(PRIVATE_FILE),
                PEM_BEGIN + "\n"
                        + Base64.getMimeEncoder(64, new byte[] {'\n'})
                                .encodeToString(keys.getPrivate().getEncoded())
                        + "\n" + PEM_END + "\n");
        LOG.info(
                "made node key {} in {} (other nodes apply this node's pins: add {} to their --trusted-nodes)",
                key.id,
                dataDir,
                dataDir.resolve(PUBLIC_FILE));
        return key;
    }

    private static NodeKey load(Path dataDir) throws IOException {
        Path privateFile = dataDir.resolve(PRIVATE_FILE);
        Path publicFile = dataDir.resolve(PUBLIC_FILE);
        if (!Files.exists(privateFile) || !Files.exists(publicFile)) {
            throw new IllegalStateException(
                    "node key in " + dataDir + ": " + (Files.exists(privateFile) ? PUBLIC_FILE : PRIVATE_FILE)
                            + " is missing; restore it, or delete the other file to make a new key (other nodes "
                            + "then need the new " + PUBLIC_FILE + ")");
        }
        if (Files.getFileStore(privateFile).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(privateFile);
            if (!OWNER_ONLY.containsAll(perms)) {
                throw new IllegalStateException("node key " + privateFile + " can be read by others ("
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
            throw new IllegalStateException("node key in " + dataDir + " is unreadable: " + e.getMessage(), e);
        }
        if (!belongTogether(keys)) {
            throw new IllegalStateException(
                    "node key in " + dataDir + ": " + PUBLIC_FILE + " is not the public half " + "of " + PRIVATE_FILE
                            + "; restore the right " + PUBLIC_FILE + ", or delete both to make a new key");
        }
        return new NodeKey(dataDir, keys);
    }

    private static boolean belongTogether(KeyPair keys) {
        AdapterControl probe = AdapterControl.unpin("key-check", "node", "", Instant.EPOCH);
        AdapterControl signed = ControlSignature.sign(probe, keys);
        return ControlSignature.verify(signed, TrustedNodeKeys.of(keys.getPublic()))
                .trusted();
    }

    /** {@code control} signed by this node. */
    public AdapterControl sign(AdapterControl control) {
        return ControlSignature.sign(control, keys);
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
