package dev.engram.node.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Slows down a client that keeps sending wrong API keys: after {@code maxFailures} failed
 * authentications from one address within {@code window}, its further wrong keys are answered
 * {@code 429 Too Many Requests} with {@code Retry-After} (the rest of the window) instead of 401.
 * A valid key is checked and accepted as always, from any address, so a client that shares an
 * address with a scanner (a NAT, a proxy) keeps working. Keys are 256 random bits, so the limit is
 * not what keeps them from being guessed; it stops a scanner's flood from costing the node a log
 * line and a lookup per try and tells it to back off.
 *
 * <p>Bounded: at most {@code maxClients} addresses are tracked (the oldest window is dropped first).
 *
 * <pre>{@code
 * FailedAuthLimiter limiter = FailedAuthLimiter.defaults(Clock.systemUTC());
 * Optional<Duration> wait = limiter.refusal(address);   // present: answer 429, Retry-After wait
 * limiter.failed(address);                              // after a wrong key
 * }</pre>
 */
public final class FailedAuthLimiter {

    /** Failed authentications allowed per address and window by default. */
    public static final int DEFAULT_MAX_FAILURES = 20;
    /** The default window. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
    /** Addresses tracked at most by default. */
    public static final int DEFAULT_MAX_CLIENTS = 10_000;

    private final int maxFailures;
    private final Duration window;
    private final int maxClients;
    private final Clock clock;
    private final Map<String, Window> windows = new LinkedHashMap<>();

    /**
     * @param maxFailures wrong keys an address may send per window before it is refused, at least 1
     * @param window how long failures count
     * @param maxClients how many addresses are tracked at once, at least 1
     */
    public FailedAuthLimiter(int maxFailures, Duration window, int maxClients, Clock clock) {
        if (maxFailures < 1 || maxClients < 1) {
            throw new IllegalArgumentException("failedAuthLimiter: maxFailures and maxClients must be at least 1, were "
                    + maxFailures + " and " + maxClients);
        }
        Objects.requireNonNull(window, "failedAuthLimiter.window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("failedAuthLimiter.window must be positive, was " + window);
        }
        this.maxFailures = maxFailures;
        this.window = window;
        this.maxClients = maxClients;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** {@value #DEFAULT_MAX_FAILURES} wrong keys a minute per address, {@value #DEFAULT_MAX_CLIENTS} addresses. */
    public static FailedAuthLimiter defaults(Clock clock) {
        return new FailedAuthLimiter(DEFAULT_MAX_FAILURES, DEFAULT_WINDOW, DEFAULT_MAX_CLIENTS, clock);
    }

    /** How long {@code client} must wait before its next wrong key is looked at; empty when it is not limited. */
    public synchronized Optional<Duration> refusal(String client) {
        Instant now = clock.instant();
        Window w = windows.get(client);
        if (w == null || !now.isBefore(w.ends)) {
            return Optional.empty();
        }
        return w.failures >= maxFailures ? Optional.of(Duration.between(now, w.ends)) : Optional.empty();
    }

    /** Counts a failed authentication from {@code client}. */
    public synchronized void failed(String client) {
        Instant now = clock.instant();
        Window w = windows.get(client);
        if (w == null || !now.isBefore(w.ends)) {
            windows.remove(client);
            w = new Window(now.plus(window));
            windows.put(client, w);
            evict(now);
        }
        w.failures++;
    }

    private void evict(Instant now) {
        Iterator<Window> it = windows.values().iterator();
        while (it.hasNext() && windows.size() > maxClients) {
            it.next();
            it.remove();
        }
        // Windows are kept in the order they opened: the expired ones come first.
        it = windows.values().iterator();
        while (it.hasNext()) {
            if (now.isBefore(it.next().ends)) {
                break;
            }
            it.remove();
        }
    }

    private static final class Window {
        final Instant ends;
        int failures;

        Window(Instant ends) {
            this.ends = ends;
        }
    }
}
