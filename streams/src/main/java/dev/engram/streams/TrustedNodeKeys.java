package dev.engram.streams;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The nodes whose signed operator controls ({@link AdapterControl}) a node applies: Ed25519 public
 * keys by key id. Immutable. A node always trusts its own key besides these.
 *
 * <p>The file format is a trusted-workers file's ({@link TrustedWorkerKeys}): one key per line, as
 * a node writes it to its {@code DATA/node-key.pub} (and {@code engram node-key} prints it); blank
 * lines and lines starting with {@code #} are skipped, and the comment after the key is free text.
 * A directory stands for every {@code *.pub} file in it.
 *
 * <pre>
 * # the other nodes of the cluster
 * ed25519 MCowBQYDK2VwAyEA0d3bEo6j4Kq0GXnS3yJ8i+vIYb0mTgJm2iUQ2vPAbJ4= node-key ed25519:9a1e... engram-2
 * </pre>
 *
 * <pre>{@code
 * TrustedNodeKeys trusted = TrustedNodeKeys.load(Path.of("/srv/engram/nodes")).with(ownKey.publicKey());
 * }</pre>
 */
public final class TrustedNodeKeys {

    private static final TrustedNodeKeys NONE = new TrustedNodeKeys(Map.of());

    private final Map<String, PublicKey> byId;

    private TrustedNodeKeys(Map<String, PublicKey> byId) {
        this.byId = Map.copyOf(byId);
    }

    /** Trusts no node key. */
    public static TrustedNodeKeys none() {
        return NONE;
    }

    /**
     * Trusts exactly {@code keys}.
     *
     * @throws IllegalArgumentException when one is not an Ed25519 public key
     */
    public static TrustedNodeKeys of(Collection<PublicKey> keys) {
        Map<String, PublicKey> map = new TreeMap<>();
        for (PublicKey k : keys) {
            PublicKey key = TrustedWorkerKeys.requireEd25519(k, "node");
            map.put(TrustedWorkerKeys.keyId(key), key);
        }
        return new TrustedNodeKeys(map);
    }

    /** Trusts exactly {@code keys}. */
    public static TrustedNodeKeys of(PublicKey... keys) {
        return of(List.of(keys));
    }

    /**
     * The keys in a trusted-keys file, or in every {@code *.pub} file of a directory.
     *
     * @throws IllegalArgumentException naming the file and line, when a line is not a key, or the
     *     path does not exist
     * @throws UncheckedIOException when it cannot be read
     */
    public static TrustedNodeKeys load(Path fileOrDir) {
        return new TrustedNodeKeys(TrustedWorkerKeys.readKeyLines(fileOrDir, "node"));
    }

    /**
     * These keys and {@code key}.
     *
     * @throws IllegalArgumentException when {@code key} is not an Ed25519 public key
     */
    public TrustedNodeKeys with(PublicKey key) {
        Map<String, PublicKey> map = new TreeMap<>(byId);
        TrustedWorkerKeys.requireEd25519(key, "node");
        map.put(TrustedWorkerKeys.keyId(key), key);
        return new TrustedNodeKeys(map);
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

    @Override
    public String toString() {
        return "TrustedNodeKeys" + ids();
    }
}
