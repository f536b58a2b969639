package dev.engram.node.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A node's API keys, kept in {@code DATA/keys.json} (owner-only): for each key its id, principal,
 * role, tenant scope and the SHA-256 of the key, never the key itself.
 *
 * <p>A key is {@code egk_<id>_<secret>}: the id (12 hex digits) finds the entry, the secret is 256
 * random bits. Because the secret is random and long, one SHA-256 is enough to store it (a slow
 * password hash guards low-entropy passwords against guessing, which 2<sup>256</sup> already
 * rules out), and the hashes are compared in constant time.
 *
 * <pre>{@code
 * ApiKeys keys = ApiKeys.open(dataDir, Clock.systemUTC());
 * IssuedKey k = keys.create("ci-bot", Role.READER, TenantScope.parse("acme"), "alice");
 * keys.authenticate(k.secret());   // Optional[Principal[name=ci-bot, role=READER, tenants=acme]]
 * }</pre>
 *
 * <p>While a node runs it is the only writer of its keys file (keys are managed through its
 * {@code /v1/keys} route); the CLI writes the file directly only when no node runs on the directory.
 * Thread-safe.
 */
public final class ApiKeys {

    /** The keys file in the data directory. */
    public static final String KEYS_FILE = "keys.json";
    /** The file in the data directory that holds the admin key a node created on first start. */
    public static final String ADMIN_KEY_FILE = "admin.key";
    /** The principal of the admin key a node creates on first start. */
    public static final String ADMIN_PRINCIPAL = "admin";
    /** Who created the first admin key. */
    public static final String CREATED_BY_NODE = "node";

    private static final String PREFIX = "egk_";
    private static final Pattern KEY = Pattern.compile("egk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final byte[] NO_HASH = new byte[32];

    /** One entry of the keys file. */
    record StoredKey(
            String id,
            String principal,
            Role role,
            TenantScope tenants,
            Instant createdAt,
            String createdBy,
            String sha256) {

        ApiKey describe() {
            return new ApiKey(id, principal, role, tenants, createdAt, createdBy);
        }
    }

    /** The keys file. */
    record KeysFile(List<StoredKey> keys) {
        KeysFile {
            keys = keys == null ? List.of() : List.copyOf(keys);
        }
    }

    private final Path dataDir;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, StoredKey> byId = new LinkedHashMap<>();
    /** When each key last authenticated on this node since it started: kept in memory, not in the keys file. */
    private final Map<String, Instant> lastUsed = new ConcurrentHashMap<>();

    private boolean fileExists;

    private ApiKeys(Path dataDir, Clock clock) {
        this.dataDir = dataDir;
        this.clock = clock;
    }

    /**
     * The keys in {@code dataDir/keys.json}; none when the file does not exist yet (it is written on
     * the first {@link #create}).
     *
     * @throws IllegalStateException when the file exists but cannot be read; the message says how
     *     to recover
     */
    public static ApiKeys open(Path dataDir, Clock clock) {
        ApiKeys keys = new ApiKeys(Objects.requireNonNull(dataDir, "dataDir"), Objects.requireNonNull(clock, "clock"));
        Path file = dataDir.resolve(KEYS_FILE);
        if (Files.exists(file)) {
            try {
                KeysFile read = JSON.readValue(file.toFile(), KeysFile.class);
                read.keys().forEach(k -> keys.byId.put(k.id(), k));
                keys.fileExists = true;
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException(
                        "cannot read the API keys in " + file + ": " + e.getMessage()
                                + " (restore it from a backup, or remove it and start the node on loopback to create a new "
                                + "admin key: every key it held stops working)",
                        e);
            }
        }
        return keys;
    }

    /**
     * Creates the first admin key (principal {@value #ADMIN_PRINCIPAL}, every tenant) when this data
     * directory has never had a keys file, and writes it to {@code dataDir/admin.key} (owner-only)
     * before its hash goes into the keys file: a crash in between leaves no keys file, so the next
     * start creates a fresh one. Empty when the keys file already existed.
     */
    public synchronized Optional<IssuedKey> bootstrapAdminKey() {
        if (fileExists) {
            return Optional.empty();
        }
        String id = newId();
        String secret = PREFIX + id + "_" + newSecret();
        StoredKey stored = new StoredKey(
                id,
                ADMIN_PRINCIPAL,
                Role.ADMIN,
                TenantScope.ALL,
                clock.instant(),
                CREATED_BY_NODE,
                hex(sha256(secret)));
        try {
            Files.createDirectories(dataDir);
            OwnerOnlyFiles.replace(dataDir.resolve(ADMIN_KEY_FILE), secret + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write the admin key to " + dataDir.resolve(ADMIN_KEY_FILE) + ": " + e.getMessage(), e);
        }
        byId.put(id, stored);
        save();
        return Optional.of(new IssuedKey(secret, stored.describe()));
    }

    /** The admin key a node wrote to {@code dataDir/admin.key}, if the file is there and readable. */
    public static Optional<String> readAdminKey(Path dataDir) {
        Path file = dataDir.resolve(ADMIN_KEY_FILE);
        try {
            String key = Files.isReadable(file)
                    ? Files.readString(file, StandardCharsets.UTF_8).strip()
                    : "";
            return key.isEmpty() ? Optional.empty() : Optional.of(key);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Creates a key; its secret is in the result and nowhere else.
     *
     * @param createdBy the principal creating it (recorded with it)
     * @throws IllegalArgumentException for a bad principal name
     */
    public synchronized IssuedKey create(String principal, Role role, TenantScope tenants, String createdBy) {
        Principal.requireName(principal);
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(tenants, "tenants");
        String id = newId();
        while (byId.containsKey(id)) {
            id = newId();
        }
        String secret = PREFIX + id + "_" + newSecret();
        StoredKey stored = new StoredKey(
                id,
                principal,
                role,
                tenants,
                clock.instant(),
                Objects.requireNonNull(createdBy, "createdBy"),
                hex(sha256(secret)));
        byId.put(id, stored);
        try {
            save();
        } catch (RuntimeException e) {
            byId.remove(id);
            throw e;
        }
        return new IssuedKey(secret, stored.describe());
    }

    /** Every key, oldest first. */
    public synchronized List<ApiKey> list() {
        return byId.values().stream().map(StoredKey::describe).toList();
    }

    /** The key with {@code id}, if there is one. */
    public synchronized Optional<ApiKey> get(String id) {
        return Optional.ofNullable(byId.get(id)).map(StoredKey::describe);
    }

    /**
     * Removes the key with {@code id}; requests with it fail from now on. Empty when there is none.
     *
     * @throws LastAdminKeyException when it is the last admin key of every tenant: no one could manage
     *     keys any more
     */
    public synchronized Optional<ApiKey> revoke(String id) {
        StoredKey removing = byId.get(id);
        if (removing == null) {
            return Optional.empty();
        }
        if (managesEverything(removing)
                && byId.values().stream().filter(ApiKeys::managesEverything).count() == 1) {
            throw new LastAdminKeyException("key " + id + " (principal '" + removing.principal() + "') is the last "
                    + "admin key of every tenant; create another admin key before revoking it");
        }
        StoredKey removed = byId.remove(id);
        try {
            save();
        } catch (RuntimeException e) {
            byId.put(id, removed);
            throw e;
        }
        return Optional.of(removed.describe());
    }

    /** {@code true} when there is no key at all. */
    public synchronized boolean isEmpty() {
        return byId.isEmpty();
    }

    /**
     * The principal of {@code presented}, or empty when it is not a key of this node. The hash of
     * the presented key is compared in constant time, against a dummy when the id is unknown.
     */
    public Optional<Principal> authenticate(String presented) {
        if (presented == null) {
            return Optional.empty();
        }
        var m = KEY.matcher(presented);
        if (!m.matches()) {
            return Optional.empty();
        }
        StoredKey stored;
        synchronized (this) {
            stored = byId.get(m.group(1));
        }
        byte[] expected = stored == null ? NO_HASH : HexFormat.of().parseHex(stored.sha256());
        boolean equal = MessageDigest.isEqual(sha256(presented), expected);
        if (!equal || stored == null) {
            return Optional.empty();
        }
        lastUsed.put(stored.id(), clock.instant());
        return Optional.of(stored.describe().toPrincipal());
    }

    /**
     * When the key with {@code id} was last used on this node, since the node started (the time is
     * kept in memory only, so that authenticating never writes the keys file); empty when not since.
     */
    public Optional<Instant> lastUsed(String id) {
        return Optional.ofNullable(lastUsed.get(id));
    }

    private static boolean managesEverything(StoredKey k) {
        return k.role() == Role.ADMIN && k.tenants().everyTenant();
    }

    private void save() {
        Path file = dataDir.resolve(KEYS_FILE);
        try {
            Files.createDirectories(dataDir);
            OwnerOnlyFiles.replace(
                    file,
                    JSON.writerWithDefaultPrettyPrinter()
                            .writeValueAsString(new KeysFile(new ArrayList<>(byId.values()))));
            fileExists = true;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the API keys: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the API keys to " + file + ": " + e.getMessage(), e);
        }
    }

    private String newId() {
        byte[] b = new byte[6];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private String newSecret() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
