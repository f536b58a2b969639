package dev.engram.node.http;

import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import dev.engram.node.registry.AdapterRegistry;
import dev.engram.node.registry.AdapterView;
import dev.engram.node.registry.UnknownVersionException;
import dev.engram.node.registry.VersionUnavailableException;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublished;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.ContentDisposition;
import org.apache.pekko.http.javadsl.model.headers.ContentDispositionTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * An adapter version's files on the node's HTTP API: what {@code engram adapters export} writes as a
 * folder, as one zip, so an operator can take a version to a serving stack from the console.
 *
 * <pre>
 * GET /v1/adapters/{name}/versions/{version}/files
 *     -> 200 application/zip: the version's files (adapter_config.json, adapter_model.safetensors, ...)  operator, tenant
 * </pre>
 *
 * <p>The files are read back from {@code engram.adapters}: the record with the checksum the node lists
 * for that version, signed by a worker key the node trusts for the adapter's tenant
 * ({@link AdapterRegistry#published}); the zip holds them byte for byte, and the
 * {@value #PAYLOAD_SHA256_HEADER} header carries their SHA-256 as published. 404 for an adapter or
 * version the node does not list, 409 for a listed version it has no trusted record of (refused,
 * or gone from the topic).
 */
public final class AdapterFileRoutes extends AllDirectives {

    /** The header with the SHA-256 of the version's files, as its worker published it. */
    public static final String PAYLOAD_SHA256_HEADER = "X-Engram-Payload-Sha256";

    private final AdapterRegistry registry;
    private final HttpAccess access;
    private final Executor blocking;

    /** @param blocking where the topic is read */
    public AdapterFileRoutes(AdapterRegistry registry, HttpAccess access, Executor blocking) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.access = Objects.requireNonNull(access, "access");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    public Route routes() {
        return path(
                PathMatchers.segment("v1")
                        .slash("adapters")
                        .slash(PathMatchers.segment())
                        .slash("versions")
                        .slash(PathMatchers.segment())
                        .slash("files"),
                (name, version) -> concat(
                        get(() -> access.require(
                                Role.OPERATOR,
                                "downloading adapter files",
                                principal -> files(principal, name, version))),
                        JsonResponses.methodNotAllowed("GET")));
    }

    private Route files(Principal principal, String name, String versionText) {
        String digits = versionText.startsWith("v") ? versionText.substring(1) : versionText;
        if (!digits.matches("\\d{1,18}") || Long.parseLong(digits) < 1) {
            return complete(JsonResponses.error(
                    StatusCodes.BAD_REQUEST,
                    "version must be a whole number >= 1 (e.g. 3 or v3), was '" + versionText + "'",
                    "version"));
        }
        long version = Long.parseLong(digits);
        AdapterView view = registry.adapter(name);
        if (view == null) {
            return complete(JsonResponses.error(
                    StatusCodes.NOT_FOUND,
                    "no adapter named '" + name + "' on this node (GET /v1/adapters lists them)",
                    null));
        }
        return HttpAccess.tenant(
                principal,
                view.tenant(),
                "download adapter files",
                () -> completeWithFuture(CompletableFuture.supplyAsync(() -> zipped(name, version), blocking)
                        .exceptionally(failure -> JsonResponses.error(
                                StatusCodes.SERVICE_UNAVAILABLE,
                                "could not read " + name + " v" + version + "'s files: "
                                        + (failure.getCause() == null ? failure : failure.getCause()).getMessage(),
                                null))));
    }

    private HttpResponse zipped(String name, long version) {
        AdapterPublished adapter;
        try {
            adapter = registry.published(name, version);
        } catch (UnknownVersionException e) {
            return JsonResponses.error(StatusCodes.NOT_FOUND, e.getMessage(), null);
        } catch (VersionUnavailableException e) {
            return JsonResponses.error(StatusCodes.CONFLICT, e.getMessage(), null);
        }
        return HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.APPLICATION_ZIP), zip(adapter)))
                .addHeader(ContentDisposition.create(
                        ContentDispositionTypes.ATTACHMENT, Map.of("filename", name + "-v" + version + ".zip")))
                .addHeader(RawHeader.create(PAYLOAD_SHA256_HEADER, adapter.payloadSha256()));
    }

    /** The files in their published order, stamped with when the worker made them (same version, same bytes). */
    static byte[] zip(AdapterPublished adapter) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            FileTime made = FileTime.from(adapter.createdAt());
            for (AdapterFile f : adapter.files()) {
                ZipEntry entry = new ZipEntry(f.name());
                entry.setLastModifiedTime(made);
                zip.putNextEntry(entry);
                zip.write(f.bytes());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
