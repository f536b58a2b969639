package dev.engram.node.http;

import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.ops.TrainingJobState;
import dev.engram.node.ops.TrainingJobTracker;
import dev.engram.node.ops.TrainingJobView;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The operations console and the two routes it needs beyond the API's own.
 *
 * <pre>
 * GET /console/                 -> the console's page (and its script and style sheet)      open: holds no data
 * GET /v1/whoami                -> 200 {"principal", "role", "tenants", "mayOperate"}        reader
 * GET /v1/events                -> 200 text/event-stream: an "overview" event ({@link NodeOverview}) and a
 *                                  "training" event ({"jobs": the newest {@value #LIVE_JOBS} jobs, running
 *                                  ones with their loss curves}) now and every {@link #OVERVIEW_INTERVAL}   reader
 * </pre>
 *
 * <p>The page is served to anyone because it holds nothing: everything it shows it reads from the
 * API with the key the user types in, so the console sees and does exactly what that key may, and
 * a script with the same key reads the same. The assets are a few files from the classpath, with a
 * content security policy that allows only this origin (no inline script, nothing from elsewhere).
 *
 * <p>A browser's {@code EventSource} cannot send an {@code Authorization} header, so the console
 * reads {@code /v1/events} with {@code fetch} and parses the stream itself; {@code curl -N -H
 * 'Authorization: Bearer ...' .../v1/events} reads it too.
 */
public final class ConsoleRoutes extends AllDirectives {

    /** How often {@code /v1/events} pushes an overview. */
    public static final Duration OVERVIEW_INTERVAL = Duration.ofSeconds(2);
    /** Training jobs in each "training" event of {@code /v1/events}. */
    public static final int LIVE_JOBS = 50;

    private static final String ASSETS = "dev/engram/node/console/";
    private static final Map<String, ContentType> FILES = Map.of(
            "index.html", ContentTypes.TEXT_HTML_UTF8,
            "console.js", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8),
            "plot.js", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8),
            "ops.js", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8),
            "tenants.js", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8),
            "stream.js", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8),
            "audit.js", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8),
            "playground.js", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8),
            "keys.js", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8),
            "console.css", MediaTypes.TEXT_CSS.toContentType(HttpCharsets.UTF_8));
    private static final List<HttpHeader> PAGE_HEADERS = List.of(
            RawHeader.create(
                    "Content-Security-Policy",
                    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; " + "form-action 'none'"),
            RawHeader.create("X-Content-Type-Options", "nosniff"),
            RawHeader.create("X-Frame-Options", "DENY"),
            RawHeader.create("Referrer-Policy", "no-referrer"),
            RawHeader.create("Cache-Control", "no-cache"));

    private final HttpAccess access;
    private final NodeMetrics metrics;
    private final Supplier<HealthReport> health;
    private final TrainingJobTracker training;
    private final Clock clock;
    private final Map<String, byte[]> assets;

    public ConsoleRoutes(
            HttpAccess access,
            NodeMetrics metrics,
            Supplier<HealthReport> health,
            TrainingJobTracker training,
            Clock clock) {
        this.access = Objects.requireNonNull(access, "access");
        this.training = Objects.requireNonNull(training, "training");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.health = Objects.requireNonNull(health, "health");
        this.clock = Objects.requireNonNull(clock, "clock");
        Map<String, byte[]> files = new java.util.HashMap<>();
        FILES.keySet().forEach(name -> files.put(name, asset(name)));
        this.assets = Map.copyOf(files);
    }

    public Route routes() {
        return concat(
                pathPrefix(
                        "console",
                        () -> concat(
                                pathEnd(() ->
                                        get(() -> redirect(Uri.create("/console/"), StatusCodes.PERMANENT_REDIRECT))),
                                pathSingleSlash(() -> get(() -> file("index.html"))),
                                path(
                                        PathMatchers.segment(),
                                        name -> get(() -> FILES.containsKey(name)
                                                ? file(name)
                                                : complete(JsonResponses.error(
                                                        StatusCodes.NOT_FOUND,
                                                        "the console has no file '" + name + "' (it is /console/)",
                                                        null)))),
                                JsonResponses.methodNotAllowed("GET"))),
                path(
                        PathMatchers.segment("v1").slash("whoami"),
                        () -> concat(
                                get(() -> access.require(Role.READER, "asking who you are", this::whoami)),
                                JsonResponses.methodNotAllowed("GET"))),
                path(
                        PathMatchers.segment("v1").slash("events"),
                        () -> concat(
                                get(() -> access.require(Role.READER, "reading the node's events", this::events)),
                                JsonResponses.methodNotAllowed("GET"))));
    }

    private Route file(String name) {
        return respondWithHeaders(
                PAGE_HEADERS,
                () -> complete(HttpResponse.create()
                        .withStatus(StatusCodes.OK)
                        .withEntity(HttpEntities.create(FILES.get(name), assets.get(name)))));
    }

    private Route whoami(Principal principal) {
        return complete(JsonResponses.json(
                StatusCodes.OK,
                Map.of(
                        "principal",
                        principal.name(),
                        "role",
                        principal.role().wireName(),
                        "tenants",
                        principal.tenants().tenants(),
                        "mayOperate",
                        principal.may(Role.OPERATOR))));
    }

    private Route events(Principal principal) {
        Source<ServerSentEvent, NotUsed> overviews = Source.tick(Duration.ZERO, OVERVIEW_INTERVAL, "tick")
                .mapMaterializedValue(cancellable -> NotUsed.getInstance())
                .mapConcat(tick -> List.of(
                        ServerSentEvent.create(
                                new String(
                                        ApiJson.write(
                                                NodeOverview.of(clock.instant(), health.get(), metrics, principal)),
                                        StandardCharsets.UTF_8),
                                "overview"),
                        ServerSentEvent.create(
                                new String(ApiJson.write(Map.of("jobs", liveJobs(principal))), StandardCharsets.UTF_8),
                                "training")));
        return respondWithHeaders(
                List.of(RawHeader.create("Cache-Control", "no-cache")),
                () -> completeOK(overviews, EventStreamMarshalling.toEventStream()));
    }

    /** The newest jobs {@code principal} may see; the running ones carry their curves, for the live plot. */
    private List<TrainingJobView> liveJobs(Principal principal) {
        return training.jobs(principal::mayAccess).stream()
                .limit(LIVE_JOBS)
                .map(j -> j.state() == TrainingJobState.RUNNING
                        ? training.job(j.jobId()).orElse(j)
                        : j)
                .toList();
    }

    private static byte[] asset(String name) {
        try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(ASSETS + name)) {
            if (in == null) {
                throw new IllegalStateException("the console's " + ASSETS + name + " is missing from the classpath: "
                        + "rebuild the actors module");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
