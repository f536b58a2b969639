package dev.engram.streams;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A record key of {@link Topics#ADAPTERS}: which adapter a record belongs to and what it is. The
 * only place where these keys are written or read; every key starts with the adapter name, so
 * compaction keeps one record per key and all of an adapter's records share a partition.
 *
 * <pre>
 * &lt;adapterName&gt;/v&lt;version&gt;               {@link Kind#VERSION}: the header of one version ({@link AdapterPublished})
 * &lt;adapterName&gt;/v&lt;version&gt;/chunk-&lt;i&gt;     {@link Kind#CHUNK}: chunk i of that version's payload
 * &lt;adapterName&gt;/control                  {@link Kind#CONTROL}: the {@link AdapterControl} in force
 * </pre>
 *
 * <pre>{@code
 * AdapterKey.version("acme-retriever", 3).toString()      // "acme-retriever/v3"
 * AdapterKey key = AdapterKey.parse("acme-retriever/v3/chunk-0");
 * key.kind();                                             // CHUNK
 * key.versionKey().toString();                            // "acme-retriever/v3"
 * }</pre>
 *
 * <p>Adapter names ({@link AdapterPublished#ADAPTER_NAME_REGEX}) contain no '/', so the layout
 * parses unambiguously; versions and chunk indexes are written without leading zeros, so
 * {@code parse(key).toString()} gives back {@code key}.
 *
 * @param kind what the record is
 * @param adapterName the adapter, {@link AdapterPublished#ADAPTER_NAME_REGEX}
 * @param version the version (>= 1) of a {@link Kind#VERSION} or {@link Kind#CHUNK} key; 0 for
 *     {@link Kind#CONTROL}
 * @param chunk the chunk index (>= 0) of a {@link Kind#CHUNK} key; -1 otherwise
 */
public record AdapterKey(Kind kind, String adapterName, long version, int chunk) {

    /** What a record under a key is. */
    public enum Kind {
        /** {@code "<adapterName>/v<version>"}: the header of one version. */
        VERSION,
        /** {@code "<adapterName>/v<version>/chunk-<i>"}: one chunk of a version's payload. */
        CHUNK,
        /** {@code "<adapterName>/control"}: an operator control. */
        CONTROL
    }

    private static final String LAYOUT =
            "'<adapterName>/v<version>', '<adapterName>/v<version>/chunk-<i>' or " + "'<adapterName>/control'";
    private static final Pattern KEY = Pattern.compile("([^/]*)/(?:v(\\d{1,18})(?:/chunk-(\\d{1,9}))?|(control))");

    public AdapterKey {
        Objects.requireNonNull(kind, "kind");
        if (adapterName == null
                || !AdapterPublished.ADAPTER_NAME.matcher(adapterName).matches()) {
            throw new InvalidEventException(
                    "key",
                    "the adapter name must be " + AdapterPublished.ADAPTER_NAME_REGEX
                            + " (1-128 of [a-z0-9._-] starting with a letter or digit), was "
                            + (adapterName == null ? "null" : "'" + adapterName + "'"));
        }
        if (kind == Kind.CONTROL ? version != 0 : version < 1) {
            throw new InvalidEventException(
                    "key",
                    "the version must be " + (kind == Kind.CONTROL ? "0 for a control" : ">= 1") + ", was " + version);
        }
        if (kind == Kind.CHUNK ? chunk < 0 : chunk != -1) {
            throw new InvalidEventException(
                    "key",
                    "the chunk index must be " + (kind == Kind.CHUNK ? ">= 0" : "-1 for a " + kind) + ", was " + chunk);
        }
    }

    /** The key of a version's header: {@code "<adapterName>/v<version>"}. */
    public static AdapterKey version(String adapterName, long version) {
        return new AdapterKey(Kind.VERSION, adapterName, version, -1);
    }

    /** The key of chunk {@code index} of a version's payload: {@code "<adapterName>/v<version>/chunk-<index>"}. */
    public static AdapterKey chunk(String adapterName, long version, int index) {
        return new AdapterKey(Kind.CHUNK, adapterName, version, index);
    }

    /** The key of an adapter's operator control: {@code "<adapterName>/control"}. */
    public static AdapterKey control(String adapterName) {
        return new AdapterKey(Kind.CONTROL, adapterName, 0, -1);
    }

    /**
     * The key in a record's key string.
     *
     * @throws InvalidEventException (field {@code "key"}) saying what is wrong with it, when it does
     *     not fit the layout above
     */
    public static AdapterKey parse(String key) {
        if (key == null) {
            throw new InvalidEventException(
                    "key", "is missing; records on " + Topics.ADAPTERS + " are keyed " + LAYOUT);
        }
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            throw new InvalidEventException(
                    "key", "'" + shorten(key) + "' does not fit the layout of " + Topics.ADAPTERS + ": " + LAYOUT);
        }
        String name = m.group(1);
        if (m.group(4) != null) {
            return control(name);
        }
        long version = number(key, m.group(2), "version");
        return m.group(3) == null
                ? version(name, version)
                : chunk(name, version, (int) number(key, m.group(3), "chunk index"));
    }

    /** The key in a record's key string, or empty when it does not fit the layout (e.g. a foreign record). */
    public static Optional<AdapterKey> tryParse(String key) {
        try {
            return Optional.of(parse(key));
        } catch (InvalidEventException e) {
            return Optional.empty();
        }
    }

    /**
     * The header key of the version this key belongs to: itself for a {@link Kind#VERSION} key, the
     * chunk's version for a {@link Kind#CHUNK} key.
     *
     * @throws IllegalStateException for a {@link Kind#CONTROL} key, which belongs to no version
     */
    public AdapterKey versionKey() {
        return switch (kind) {
            case VERSION -> this;
            case CHUNK -> version(adapterName, version);
            case CONTROL -> throw new IllegalStateException(this + " is a control key and belongs to no version");
        };
    }

    /** The key as it is written on the topic, e.g. {@code "acme-retriever/v3/chunk-0"}. */
    @Override
    public String toString() {
        return switch (kind) {
            case VERSION -> adapterName + "/v" + version;
            case CHUNK -> adapterName + "/v" + version + "/chunk-" + chunk;
            case CONTROL -> adapterName + "/control";
        };
    }

    private static long number(String key, String digits, String what) {
        if (digits.length() > 1 && digits.charAt(0) == '0') {
            throw new InvalidEventException(
                    "key",
                    "'" + shorten(key) + "': the " + what + " must be written without " + "leading zeros, was "
                            + digits);
        }
        return Long.parseLong(digits);
    }

    private static String shorten(String key) {
        return key.length() <= 80 ? key : key.substring(0, 77) + "...";
    }
}
