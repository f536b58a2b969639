package dev.engram.node.http;

import dev.engram.node.auth.ApiKeys;
import dev.engram.node.auth.FailedAuthLimiter;
import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Who a request is, and whether it may do what it asks: {@code Authorization: Bearer <key>} is
 * looked up in the node's {@link ApiKeys}. A missing or unknown key is answered with 401 and
 * {@code WWW-Authenticate: Bearer}; a known key whose role or tenants do not cover the request with
 * 403. Both bodies are {@link ApiError}s ({@code field} is {@code "Authorization"}, or
 * {@code "tenant"} when the tenant is what the key lacks).
 *
 * <p>A node that allows anonymous access (only ever on loopback) treats a request without the
 * header as {@link Principal#anonymous()}; a request that sends a key is checked all the same.
 */
public final class HttpAccess {

    /** The header that carries the key. */
    public static final String AUTHORIZATION = "Authorization";

    private static final String REALM = "engram";

    private final ApiKeys keys;
    private final boolean allowAnonymous;
    private final FailedAuthLimiter failures;

    /** @param allowAnonymous treat requests without a key as {@link Principal#anonymous()} */
    public HttpAccess(ApiKeys keys, boolean allowAnonymous) {
        this(keys, allowAnonymous, FailedAuthLimiter.defaults(Clock.systemUTC()));
    }

    /**
     * @param allowAnonymous treat requests without a key as {@link Principal#anonymous()}
     * @param failures how many wrong keys a client address may send before they are answered 429
     */
    public HttpAccess(ApiKeys keys, boolean allowAnonymous, FailedAuthLimiter failures) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.allowAnonymous = allowAnonymous;
        this.failures = Objects.requireNonNull(failures, "failures");
    }

    /**
     * Runs {@code inner} as the request's principal if its role includes {@code role}; else 401 or
     * 403, or 429 with {@code Retry-After} for a wrong key from an address that sent too many.
     */
    public Route require(Role role, String what, Function<Principal, Route> inner) {
        return Directives.optionalHeaderValueByName(
                AUTHORIZATION,
                header -> Directives.extractRequest(request -> {
                    Authentication auth = authenticate(header);
                    if (auth.principal == null) {
                        if (auth.invalidKey) {
                            String client = clientAddress(request);
                            Optional<Duration> wait = failures.refusal(client);
                            if (wait.isPresent()) {
                                long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
                                return Directives.complete(JsonResponses.error(
                                                StatusCodes.TOO_MANY_REQUESTS,
                                                "too many requests with a wrong API key from " + client
                                                        + "; try again in " + seconds + " s (a valid key is "
                                                        + "accepted meanwhile)",
                                                AUTHORIZATION)
                                        .addHeader(RawHeader.create("Retry-After", Long.toString(seconds))));
                            }
                            failures.failed(client);
                        }
                        return Directives.complete(
                                JsonResponses.error(StatusCodes.UNAUTHORIZED, auth.problem, AUTHORIZATION)
                                        .addHeaders(List.of(challenge(auth.invalidKey))));
                    }
                    Principal principal = auth.principal;
                    if (!principal.may(role)) {
                        return Directives.complete(JsonResponses.error(
                                StatusCodes.FORBIDDEN,
                                "principal '" + principal.name()
                                        + "' has role " + principal.role().wireName() + "; " + what + " needs role "
                                        + role.wireName()
                                        + " or above",
                                AUTHORIZATION));
                    }
                    return inner.apply(principal);
                }));
    }

    /**
     * The connection's peer address (never a forwarding header, which a client could set to dodge
     * the limit or to blame someone else); "unknown" when the server did not record it.
     */
    private static String clientAddress(HttpRequest request) {
        return request.getAttribute(AttributeKeys.remoteAddress)
                .flatMap(RemoteAddress::getAddress)
                .map(InetAddress::getHostAddress)
                .orElse("unknown");
    }

    /** As {@link #require(Role, String, Function)}, and the principal's tenants must include {@code tenant}. */
    public Route require(Role role, String tenant, String what, Function<Principal, Route> inner) {
        return require(role, what, principal -> tenant(principal, tenant, what, () -> inner.apply(principal)));
    }

    /**
     * Runs {@code inner} when {@code principal} may act on {@code tenant}, else 403. A {@code null}
     * tenant (one this node does not know) is open only to principals of every tenant.
     */
    public static Route tenant(Principal principal, String tenant, String what, Supplier<Route> inner) {
        if (tenant == null ? principal.tenants().everyTenant() : principal.mayAccess(tenant)) {
            return inner.get();
        }
        return Directives.complete(JsonResponses.error(
                StatusCodes.FORBIDDEN,
                "principal '" + principal.name()
                        + "' may not " + what
                        + (tenant == null ? " of a tenant this node does not know" : " for tenant '" + tenant + "'")
                        + " (its tenants: " + principal.tenants() + ")",
                "tenant"));
    }

    /** Runs {@code inner} with the request's principal when it sent a valid key (or may be anonymous); never refuses. */
    public Route identify(Function<Optional<Principal>, Route> inner) {
        return Directives.optionalHeaderValueByName(
                AUTHORIZATION, header -> inner.apply(Optional.ofNullable(authenticate(header).principal)));
    }

    private Authentication authenticate(Optional<String> header) {
        if (header.isEmpty()) {
            return allowAnonymous
                    ? new Authentication(Principal.anonymous(), null, false)
                    : new Authentication(
                            null,
                            "this route needs an API key: send 'Authorization: Bearer <key>' (a "
                                    + "local node's admin key is in its data directory, DATA/" + ApiKeys.ADMIN_KEY_FILE
                                    + "; 'engram keys create' makes others)",
                            false);
        }
        String value = header.get().strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return new Authentication(null, "the Authorization header must be 'Bearer <key>'", true);
        }
        Optional<Principal> principal =
                keys.authenticate(value.substring(space + 1).strip());
        return principal
                .map(p -> new Authentication(p, null, false))
                .orElseGet(() -> new Authentication(
                        null,
                        "the API key is not valid on this node (revoked, mistyped, or made for another node)",
                        true));
    }

    private static HttpHeader challenge(boolean invalidKey) {
        return WWWAuthenticate.create(
                invalidKey
                        ? HttpChallenge.create("Bearer", REALM, Map.of("error", "invalid_token"))
                        : HttpChallenge.create("Bearer", REALM));
    }

    private record Authentication(Principal principal, String problem, boolean invalidKey) {}
}
