package dev.engram.runtime;

import dev.engram.runtime.internal.NodeHttp;
import dev.engram.streams.AdapterPublished;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A node's retriever adapters, and the operator's controls that steer which version serves, called
 * with the {@link EngramClient}'s API key: listing needs a reader's key, the controls an operator's
 * (of the adapter's tenant). The node records the key's principal as the control's operator, and in
 * its audit log.
 *
 * <pre>{@code
 * NodeAdapters adapters = engram.adapters();
 * AdapterInfo acme = adapters.get("acme-retriever");
 * System.out.println("serving v" + acme.serving() + ", gate " + adapters.list().gate());
 * adapters.pin("acme-retriever", 3, "v4 hurts refunds");        // serve v3 whatever is promoted later
 * adapters.unpin("acme-retriever", "fixed in v5");              // the newest promoted version again
 * adapters.rollback("acme-retriever", 2, "v3 regressed");       // v2 until a newer version is promoted
 * }</pre>
 *
 * <p>A control is published on {@code engram.adapters}, so that every node applies it and it survives
 * restarts; the call returns once Kafka has it ({@link AcceptedControl}), and the node serves
 * accordingly when it has read it back. Errors are {@link EngramApiException}s: 401 without a valid
 * key, 403 when the key's role or tenants do not cover the adapter, 400 naming the field at fault
 * (a version below 1, say), 404 for an adapter the node has not seen.
 */
public final class NodeAdapters {

    private static final Pattern NAME = Pattern.compile(AdapterPublished.ADAPTER_NAME_REGEX);

    private final NodeHttp http;

    NodeAdapters(NodeHttp http) {
        this.http = http;
    }

    /** Every adapter the key may see, with its versions, and the node's gate ({@code GET /v1/adapters}). */
    public AdapterListing list() {
        return http.call("GET", "/v1/adapters", null, 200, AdapterListing.class);
    }

    /**
     * The adapter named {@code name} ({@code GET /v1/adapters/{name}}).
     *
     * @throws EngramApiException 404 when the node has not seen it
     */
    public AdapterInfo get(String name) {
        return http.call("GET", "/v1/adapters/" + checked(name), null, 200, AdapterInfo.class);
    }

    /** Serves {@code version} of {@code name} whatever is promoted later, until unpinned. */
    public AcceptedControl pin(String name, long version, String reason) {
        return control(name, "pin", version, reason);
    }

    /** Serves the newest promoted version of {@code name} again. */
    public AcceptedControl unpin(String name, String reason) {
        return control(name, "unpin", null, reason);
    }

    /** Serves {@code version} of {@code name} (below the one serving) until a newer version is promoted. */
    public AcceptedControl rollback(String name, long version, String reason) {
        return control(name, "rollback", version, reason);
    }

    /**
     * The files of {@code version} of {@code name} as a zip, byte for byte as its worker published and
     * signed them ({@code GET /v1/adapters/{name}/versions/{version}/files}, an operator's key of the
     * adapter's tenant): what {@code engram adapters export} writes as a folder.
     *
     * <pre>{@code
     * Files.write(Path.of("acme-agent-v2.zip"), engram.adapters().files("acme-agent", 2));
     * }</pre>
     *
     * @throws EngramApiException 404 for an adapter or version the node does not list, 409 for one it
     *     has no trusted record of
     */
    public byte[] files(String name, long version) {
        if (version < 1) {
            throw new InvalidRequestException("version", "version must be >= 1, was " + version);
        }
        return http.bytes("/v1/adapters/" + checked(name) + "/versions/" + version + "/files", 200);
    }

    private AcceptedControl control(String name, String action, Long version, String reason) {
        String path = "/v1/adapters/" + checked(name) + "/" + action;
        Map<String, Object> body = new LinkedHashMap<>();
        if (version != null) {
            body.put("version", version);
        }
        if (reason != null) {
            body.put("reason", reason);
        }
        return http.call("POST", path, body, 202, AcceptedControl.class);
    }

    /** The name goes into the URL's path, so it is checked here; all else the node checks. */
    private static String checked(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidRequestException(
                    "name",
                    "must match " + AdapterPublished.ADAPTER_NAME_REGEX
                            + " (an adapter's name, e.g. 'acme-retriever'), was "
                            + (name == null ? "null" : "'" + name + "'"));
        }
        return name;
    }
}
