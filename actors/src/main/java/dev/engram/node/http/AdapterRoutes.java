package dev.engram.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.node.auth.AuditEntry;
import dev.engram.node.auth.AuditLog;
import dev.engram.node.auth.NodeKey;
import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import dev.engram.node.registry.AdapterRegistry;
import dev.engram.node.registry.AdapterView;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.InvalidEventException;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter routes of the node's HTTP API. Pin, unpin and rollback publish an
 * {@link AdapterControl} on {@code engram.adapters} (so they reach every node and survive restarts)
 * and answer 202 once Kafka has it; the registry applies it when it reads it back. The control's
 * operator is the principal of the request's API key, and the node signs the control with its
 * {@link NodeKey} (so nodes that trust this key apply it, and no one can change its operator), and
 * each control is recorded in the {@link AuditLog} once Kafka has it.
 *
 * <pre>
 * GET  /v1/adapters                                      -> 200 {"adapters": [{@link AdapterView}], "gate": ...}  reader
 * GET  /v1/adapters/{name}                               -> 200 {@link AdapterView}, or 404                       reader
 * POST /v1/adapters/{name}/pin       {"version": 3, "reason": ".."} -> 202                                   operator
 * POST /v1/adapters/{name}/unpin     {"reason": ".."}               -> 202                                   operator
 * POST /v1/adapters/{name}/rollback  {"version": 2, "reason": ".."} -> 202                                   operator
 * </pre>
 *
 * <p>A key sees and steers only the adapters of its tenants; an adapter this node has not seen
 * (so whose tenant it does not know) only a key of every tenant may steer.
 */
public final class AdapterRoutes extends AllDirectives {

    private static final Logger log = LoggerFactory.getLogger(AdapterRoutes.class);
    private static final Set<String> ACTIONS = Set.of("pin", "unpin", "rollback");
    private static final Set<String> VERSIONED_FIELDS = Set.of("version", "reason");
    private static final Set<String> UNPIN_FIELDS = Set.of("reason");

    private final AdapterRegistry registry;
    private final AdapterPublisher publisher;
    private final NodeKey nodeKey;
    private final Executor blocking;
    private final Clock clock;
    private final HttpAccess access;
    private final AuditLog audit;

    /**
     * @param publisher publishes the controls (blocking, so it runs on {@code blocking})
     * @param nodeKey signs them
     */
    public AdapterRoutes(
            AdapterRegistry registry,
            AdapterPublisher publisher,
            NodeKey nodeKey,
            Executor blocking,
            Clock clock,
            HttpAccess access,
            AuditLog audit) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.nodeKey = Objects.requireNonNull(nodeKey, "nodeKey");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.access = Objects.requireNonNull(access, "access");
        this.audit = Objects.requireNonNull(audit, "audit");
    }

    public Route routes() {
        return concat(
                path(
                        PathMatchers.segment("v1").slash("adapters"),
                        () -> concat(
                                get(() -> access.require(
                                        Role.READER,
                                        "listing adapters",
                                        principal -> complete(JsonResponses.json(
                                                StatusCodes.OK,
                                                Map.of(
                                                        "adapters",
                                                        registry.adapters().stream()
                                                                .filter(a -> visible(principal, a))
                                                                .toList(),
                                                        "gate",
                                                        registry.gate()))))),
                                JsonResponses.methodNotAllowed("GET"))),
                path(
                        PathMatchers.segment("v1").slash("adapters").slash(PathMatchers.segment()),
                        name -> concat(
                                get(() -> access.require(
                                        Role.READER, "reading adapters", principal -> one(principal, name))),
                                JsonResponses.methodNotAllowed("GET"))),
                path(
                        PathMatchers.segment("v1")
                                .slash("adapters")
                                .slash(PathMatchers.segment())
                                .slash(PathMatchers.segment()),
                        (name, action) -> !ACTIONS.contains(action)
                                ? complete(JsonResponses.error(
                                        StatusCodes.NOT_FOUND,
                                        "no such adapter action '" + action + "'; use pin, unpin or rollback",
                                        null))
                                : concat(
                                        post(() -> access.require(
                                                Role.OPERATOR,
                                                action + " adapters",
                                                principal -> HttpAccess.tenant(
                                                        principal,
                                                        tenantOf(name),
                                                        action + " adapters",
                                                        () -> RequestBody.read(
                                                                body -> control(principal, name, action, body))))),
                                        JsonResponses.methodNotAllowed("POST"))));
    }

    private Route one(Principal principal, String name) {
        AdapterView view = registry.adapter(name);
        if (view == null) {
            return complete(JsonResponses.error(
                    StatusCodes.NOT_FOUND,
                    "no adapter named '" + name + "' on this node (GET /v1/adapters lists them)",
                    null));
        }
        return HttpAccess.tenant(
                principal, view.tenant(), "read adapters", () -> complete(JsonResponses.json(StatusCodes.OK, view)));
    }

    private static boolean visible(Principal principal, AdapterView adapter) {
        return adapter.tenant() == null ? principal.tenants().everyTenant() : principal.mayAccess(adapter.tenant());
    }

    private String tenantOf(String adapterName) {
        AdapterView view = registry.adapter(adapterName);
        return view == null ? null : view.tenant();
    }

    private Route control(Principal principal, String name, String action, String body) {
        AdapterView view = registry.adapter(name);
        if (view != null && view.kind() == AdapterKind.AGENT_MODEL) {
            return complete(JsonResponses.error(
                    StatusCodes.CONFLICT,
                    "'" + name
                            + "' is an agent-model adapter: nodes list it but do not serve it, so there is nothing to "
                            + action + " (its versions' plan-loss gate decides what runtimes receive)",
                    null));
        }
        AdapterControl control;
        try {
            boolean unpin = action.equals("unpin");
            ObjectNode tree = ApiJson.readObject(
                    body,
                    unpin ? UNPIN_FIELDS : VERSIONED_FIELDS,
                    unpin ? "{\"reason\": \"why\"}" : "{\"version\": 3, \"reason\": \"why\"}");
            String reason = reason(tree);
            control = switch (action) {
                case "pin" ->
                    AdapterControl.pin(name, version(tree, action), principal.name(), reason, clock.instant());
                case "unpin" -> AdapterControl.unpin(name, principal.name(), reason, clock.instant());
                default ->
                    AdapterControl.rollback(name, version(tree, action), principal.name(), reason, clock.instant());
            };
        } catch (BadRequestException e) {
            if ("operator".equals(e.field())) {
                return complete(JsonResponses.error(
                        StatusCodes.BAD_REQUEST,
                        "operator is not sent: the control "
                                + "records the principal of your API key ('" + principal.name() + "'); put any note in "
                                + "'reason'",
                        "operator"));
            }
            return complete(JsonResponses.json(StatusCodes.BAD_REQUEST, e.toError()));
        } catch (InvalidEventException e) {
            return complete(JsonResponses.error(StatusCodes.BAD_REQUEST, e.getMessage(), e.field()));
        }
        AdapterControl accepted = nodeKey.sign(control);
        String tenant = tenantOf(name);
        // Published first, then audited: every entry in the audit log is an action that took effect.
        CompletionStage<HttpResponse> published = CompletableFuture.supplyAsync(
                () -> {
                    RecordMetadata meta;
                    try {
                        meta = publisher.publish(accepted);
                    } catch (RuntimeException e) {
                        log.warn("{} {} by {}: could not publish: {}", action, name, principal.name(), e.toString());
                        return JsonResponses.error(
                                StatusCodes.SERVICE_UNAVAILABLE,
                                "could not publish the control to Kafka: " + e.getMessage(),
                                null);
                    }
                    try {
                        audit.record(new AuditEntry(
                                accepted.issuedAt(),
                                principal.name(),
                                principal.role(),
                                "adapter." + action,
                                name,
                                tenant,
                                accepted.reason(),
                                (accepted.version() == null ? "" : "version " + accepted.version() + ", ")
                                        + "published at offset " + meta.offset() + ", signed by node key "
                                        + accepted.signerKeyId()));
                    } catch (RuntimeException e) {
                        log.error(
                                "{} {} by {} was published at offset {} but not audited: {}",
                                action,
                                name,
                                principal.name(),
                                meta.offset(),
                                e.toString());
                        return JsonResponses.error(
                                StatusCodes.INTERNAL_SERVER_ERROR,
                                "the control was published at offset " + meta.offset()
                                        + " but could not be recorded in the audit log: " + e.getMessage(),
                                null);
                    }
                    return JsonResponses.json(
                            StatusCodes.ACCEPTED,
                            Map.of(
                                    "published",
                                    accepted,
                                    "offset",
                                    meta.offset(),
                                    "note",
                                    "applied when every node reads it back; see GET /v1/adapters"));
                },
                blocking);
        return completeWithFuture(published);
    }

    private static String reason(JsonNode tree) {
        JsonNode reason = tree.get("reason");
        if (reason == null || reason.isNull()) {
            return "";
        }
        if (!reason.isTextual()) {
            throw new BadRequestException("reason", "reason must be a string, was " + reason);
        }
        return reason.textValue();
    }

    private static long version(JsonNode tree, String action) {
        JsonNode v = tree.get("version");
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
            throw new BadRequestException(
                    "version",
                    action + " needs {\"version\": N} with N a whole number >= 1, was "
                            + (v == null ? "absent" : v.toString()));
        }
        return v.asLong();
    }
}
