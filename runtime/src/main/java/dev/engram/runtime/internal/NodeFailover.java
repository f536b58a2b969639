package dev.engram.runtime.internal;

import dev.engram.runtime.EngramApiException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Calls to one of several nodes of a cluster, each of which answers every tenant: a call that gets
 * no answer (the node is down or stopping) or a 503 (the tenant's partition is moving, or its owner
 * is unreachable) is made again on the next node; after a pass over all of them without an answer,
 * passes go on with a short pause until {@code retryFor} has passed. The node that last answered is
 * asked first.
 *
 * <p>Only for calls that may safely be made twice (recall, health): they change nothing on the node.
 */
public final class NodeFailover {

    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(1);

    private final List<NodeHttp> nodes;
    private final Duration retryFor;
    private volatile int preferred;

    /**
     * @param nodes at least one
     * @param retryFor how long passes over the nodes go on after the first failed one; zero: one pass
     */
    public NodeFailover(List<NodeHttp> nodes, Duration retryFor) {
        this.nodes = List.copyOf(nodes);
        if (this.nodes.isEmpty()) {
            throw new IllegalArgumentException("nodes: at least one node URL is required");
        }
        this.retryFor = Objects.requireNonNull(retryFor, "retryFor");
    }

    /** The node asked first now: the one that last answered (the first one at the start). */
    public NodeHttp preferred() {
        return nodes.get(preferred);
    }

    /** Every node's URL, in the order given. */
    public List<URI> urls() {
        return nodes.stream().map(NodeHttp::url).toList();
    }

    /**
     * {@link NodeHttp#call(String, String, Object, Class, int...)} on the preferred node, and on the
     * others in turn while the answer is none or a 503.
     *
     * @throws EngramApiException the last node's failure once {@code retryFor} has passed, or the
     *     first failure that another node would not change (a 400, a 401...)
     */
    public <T> T call(String method, String path, Object body, Class<T> type, int... accepted) {
        long deadline = System.nanoTime() + retryFor.toNanos();
        Duration pause = FIRST_PAUSE;
        while (true) {
            EngramApiException last = null;
            int start = preferred;
            for (int i = 0; i < nodes.size(); i++) {
                int index = (start + i) % nodes.size();
                try {
                    T answer = nodes.get(index).call(method, path, body, type, accepted);
                    preferred = index;
                    return answer;
                } catch (EngramApiException e) {
                    if (!failsOver(e)) {
                        preferred = index;
                        throw e;
                    }
                    last = e;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw last;
            }
            pause(Duration.ofNanos(Math.min(left, pause.toNanos())), last);
            pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        }
    }

    private static boolean failsOver(EngramApiException e) {
        return e.status() == -1 || e.status() == 503;
    }

    private static void pause(Duration pause, EngramApiException last) {
        try {
            Thread.sleep(pause.toMillis(), pause.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            last.addSuppressed(e);
            throw last;
        }
    }
}
