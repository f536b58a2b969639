package dev.engram.node.http;

import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import dev.engram.node.ops.TrainingJobState;
import dev.engram.node.ops.TrainingJobTracker;
import dev.engram.node.ops.TrainingJobView;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The training jobs on the node's HTTP API (what {@link TrainingJobTracker} follows on the stream).
 *
 * <pre>
 * GET /v1/training/jobs?tenant=acme&amp;state=running&amp;limit=50
 *     -> 200 {"jobs": [{@link TrainingJobView} without its loss curve]}, newest first      reader
 * GET /v1/training/jobs/{jobId}
 *     -> 200 {@link TrainingJobView} with its loss curve; 404 when the node knows no such job  reader, tenant
 * </pre>
 *
 * <p>{@code state} is one of queued, running, done, failed; {@code limit} 1 to {@value #MAX_LIMIT}
 * (default {@value #DEFAULT_LIMIT}). A key sees its tenants' jobs. The console's live view reads the
 * running jobs with their curves from {@code GET /v1/events} ({@link ConsoleRoutes}).
 */
public final class TrainingRoutes extends AllDirectives {

    /** Jobs answered when the request names no limit. */
    public static final int DEFAULT_LIMIT = 100;
    /** Most jobs one request can ask for (the node keeps {@value TrainingJobTracker#MAX_JOBS}). */
    public static final int MAX_LIMIT = TrainingJobTracker.MAX_JOBS;

    private final TrainingJobTracker tracker;
    private final HttpAccess access;

    public TrainingRoutes(TrainingJobTracker tracker, HttpAccess access) {
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.access = Objects.requireNonNull(access, "access");
    }

    public Route routes() {
        return concat(
                path(
                        PathMatchers.segment("v1").slash("training").slash("jobs"),
                        () -> concat(
                                get(() -> access.require(
                                        Role.READER,
                                        "reading training jobs",
                                        principal -> parameterOptional(
                                                "tenant",
                                                tenant -> parameterOptional(
                                                        "state",
                                                        state -> parameterOptional(
                                                                "limit",
                                                                limit -> list(principal, tenant, state, limit)))))),
                                JsonResponses.methodNotAllowed("GET"))),
                path(
                        PathMatchers.segment("v1")
                                .slash("training")
                                .slash("jobs")
                                .slash(PathMatchers.segment()),
                        jobId -> concat(
                                get(() -> access.require(
                                        Role.READER, "reading a training job", principal -> one(principal, jobId))),
                                JsonResponses.methodNotAllowed("GET"))));
    }

    private Route list(Principal principal, Optional<String> tenant, Optional<String> state, Optional<String> limit) {
        int n;
        try {
            n = limit.map(Integer::parseInt).orElse(DEFAULT_LIMIT);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > MAX_LIMIT) {
            return complete(JsonResponses.error(
                    StatusCodes.BAD_REQUEST,
                    "limit must be a whole number in [1, " + MAX_LIMIT + "], was '" + limit.orElse("") + "'",
                    "limit"));
        }
        Optional<TrainingJobState> wanted;
        try {
            wanted = state.filter(s -> !s.isBlank())
                    .map(s -> TrainingJobState.valueOf(s.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return complete(JsonResponses.error(
                    StatusCodes.BAD_REQUEST,
                    "state must be one of " + states() + ", was '" + state.orElse("") + "'",
                    "state"));
        }
        Optional<String> only = tenant.filter(t -> !t.isBlank()).map(String::strip);
        if (only.isPresent() && !principal.mayAccess(only.get())) {
            return HttpAccess.tenant(principal, only.get(), "read training jobs", () -> reject());
        }
        List<TrainingJobView> jobs =
                tracker.jobs(t -> principal.mayAccess(t) && only.map(t::equals).orElse(true)).stream()
                        .filter(j -> wanted.map(s -> j.state() == s).orElse(true))
                        .limit(n)
                        .toList();
        return complete(JsonResponses.json(StatusCodes.OK, Map.of("jobs", jobs)));
    }

    private Route one(Principal principal, String jobId) {
        Optional<TrainingJobView> job = tracker.job(jobId);
        if (job.isEmpty()) {
            return complete(JsonResponses.error(
                    StatusCodes.NOT_FOUND,
                    "no training job '" + jobId + "' on this node (it keeps the newest " + TrainingJobTracker.MAX_JOBS
                            + " jobs the topics still hold)",
                    "jobId"));
        }
        return HttpAccess.tenant(
                principal,
                job.get().tenant(),
                "read training jobs",
                () -> complete(JsonResponses.json(StatusCodes.OK, job.get())));
    }

    private static String states() {
        return String.join(
                ", ",
                Stream.of(TrainingJobState.values())
                        .map(s -> s.name().toLowerCase(Locale.ROOT))
                        .toList());
    }
}
