package dev.engram.streams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.EdECKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The training workers whose signed candidates a node (or the SDK) accepts: Ed25519 public keys by
 * key id. Immutable.
 *
 * <p>A trusted-keys file holds one key per line, as a worker writes it to its
 * {@code worker-key.pub}; blank lines and lines starting with {@code #} are skipped, and the
 * comment after the key is free text:
 *
 * <pre>
 * # the GPU workers
 * ed25519 MCowBQYDK2VwAyEA0d3bEo6j4Kq0GXnS3yJ8i+vIYb0mTgJm2iUQ2vPAbJ4= worker-key ed25519:3f0c... gpu-1
 * </pre>
 *
 * A directory stands for every {@code *.pub} file in it (not its subdirectories).
 *
 * <pre>{@code
 * TrustedWorkerKeys trusted = TrustedWorkerKeys.load(Path.of("/etc/engram/trusted-workers"));
 * trusted = trusted.with(localWorker.publicKey());
 * }</pre>
 */
public final class TrustedWorkerKeys {

    /** The first word of a key line. */
    public static final String KEY_TYPE = "ed25519";

    private static final TrustedWorkerKeys NONE = new TrustedWorkerKeys(Map.of());

    private final Map<String, PublicKey> byId;

    private TrustedWorkerKeys(Map<String, PublicKey> byId) {
        this.byId = Map.copyOf(byId);
    }

    /** Trusts no worker: every candidate is refused. */
    public static TrustedWorkerKeys none() {
        return NONE;
    }

    /** Trusts exactly {@code keys} (Ed25519 public keys). */
    public static TrustedWorkerKeys of(Collection<PublicKey> keys) {
        Map<String, PublicKey> map = new TreeMap<>();
        for (PublicKey k : keys) {
            map.put(keyId(k), requireEd25519(k));
        }
        return new TrustedWorkerKeys(map);
    }

    /** Trusts exactly {@code keys}. */
    public static TrustedWorkerKeys of(PublicKey... keys) {
        return of(List.of(keys));
    }

    /**
     * The keys in a trusted-keys file, or in every {@code *.pub} file of a directory.
     *
     * @throws IllegalArgumentException naming the file and line, when a line is not a key, or the
     *     path does not exist
     * @throws UncheckedIOException when it cannot be read
     */
    public static TrustedWorkerKeys load(Path fileOrDir) {
        return new TrustedWorkerKeys(readKeyLines(fileOrDir, "worker"));
    }

    /**
     * The keys of a trusted-keys file or directory of {@code *.pub} files, by key id; the format of
     * both trusted-worker and trusted-node files. Errors start with "trusted {role} keys:".
     */
    static Map<String, PublicKey> readKeyLines(Path fileOrDir, String role) {
        if (!Files.exists(fileOrDir)) {
            throw new IllegalArgumentException("trusted " + role + " keys: " + fileOrDir + " does not exist (a file of "
                    + role + "-key.pub lines, or a directory of *.pub files)");
        }
        List<Path> files = new ArrayList<>();
        try {
            if (Files.isDirectory(fileOrDir)) {
                try (Stream<Path> list = Files.list(fileOrDir)) {
                    list.filter(p -> Files.isRegularFile(p)
                                    && p.getFileName().toString().endsWith(".pub"))
                            .sorted()
                            .forEach(files::add);
                }
            } else {
                files.add(fileOrDir);
            }
            Map<String, PublicKey> map = new TreeMap<>();
            for (Path file : files) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.isEmpty() || line.startsWith("#")) {
                        continue;
                    }
                    try {
                        PublicKey key = parse(line);
                        map.put(keyId(key), key);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(
                                "trusted " + role + " keys: " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
                    }
                }
            }
            return map;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "trusted " + role + " keys: could not read " + fileOrDir + ": " + e.getMessage(), e);
        }
    }

    /** These keys and {@code key}. */
    public TrustedWorkerKeys with(PublicKey key) {
        Map<String, PublicKey> map = new TreeMap<>(byId);
        map.put(keyId(key), requireEd25519(key));
        return new TrustedWorkerKeys(map);
    }

    /** These keys and {@code other}'s. */
    public TrustedWorkerKeys with(TrustedWorkerKeys other) {
        Map<String, PublicKey> map = new TreeMap<>(byId);
        map.putAll(other.byId);
        return new TrustedWorkerKeys(map);
    }

    /** The trusted key with this id. */
    public Optional<PublicKey> get(String keyId) {
        return Optional.ofNullable(byId.get(keyId));
    }

    /** The ids of the trusted keys, sorted. */
    public List<String> ids() {
        return byId.keySet().stream().sorted().toList();
    }

    public boolean isEmpty() {
        return byId.isEmpty();
    }

    public int size() {
        return byId.size();
    }

    /**
     * The id of a public key: {@code "ed25519:"} and the first 16 bytes of the SHA-256 of its X.509
     * encoding, in hex ({@link AdapterSignature#KEY_ID_REGEX}).
     */
    public static String keyId(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(requireEd25519(key).getEncoded());
            return KEY_TYPE + ":" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The key as one line of a trusted-keys file: {@code "ed25519 <base64 X.509> <comment>"}. */
    public static String line(PublicKey key, String comment) {
        String encoded = Base64.getEncoder().encodeToString(requireEd25519(key).getEncoded());
        return KEY_TYPE + " " + encoded + (comment == null || comment.isBlank() ? "" : " " + comment.strip());
    }

    /**
     * The key on one line of a trusted-keys file.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static PublicKey parse(String line) {
        String[] words = line.strip().split("\\s+", 3);
        if (words.length < 2 || !words[0].equals(KEY_TYPE)) {
            throw new IllegalArgumentException("expected '" + KEY_TYPE + " <base64 public key> [comment]' as a worker "
                    + "writes it to worker-key.pub (a node to node-key.pub), was '"
                    + (line.length() > 60 ? line.substring(0, 57) + "..." : line)
                    + "'");
        }
        try {
            byte[] encoded = Base64.getDecoder().decode(words[1]);
            return KeyFactory.getInstance(AdapterSignature.ALGORITHM).generatePublic(new X509EncodedKeySpec(encoded));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "not an " + AdapterSignature.ALGORITHM + " public key (base64 of its X.509 " + "encoding): "
                            + e.getMessage(),
                    e);
        }
    }

    private static PublicKey requireEd25519(PublicKey key) {
        return requireEd25519(key, "worker");
    }

    /**
     * {@code key} when it is an Ed25519 public key.
     *
     * @param role whose keys these are ({@code "worker"}, {@code "node"}), for the message
     * @throws IllegalArgumentException naming the key's algorithm otherwise
     */
    static PublicKey requireEd25519(PublicKey key, String role) {
        if (!(key instanceof EdECKey ed) || !ed.getParams().getName().equalsIgnoreCase(AdapterSignature.ALGORITHM)) {
            throw new IllegalArgumentException(role + " keys are " + AdapterSignature.ALGORITHM + " keys, was "
                    + (key == null
                            ? "null"
                            : key.getAlgorithm()
                                    + (key instanceof EdECKey e
                                            ? " " + e.getParams().getName()
                                            : "")));
        }
        return key;
    }

    @Override
    public String toString() {
        return "TrustedWorkerKeys" + ids();
    }
}
