package dev.engram.node.registry;

import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.ControlSignature;
import dev.engram.streams.TrustedNodeKeys;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which operator controls on {@code engram.adapters} a node applies: only those a trusted node key
 * signed ({@link ControlSignature}: this node's own key and the {@code --trusted-nodes} keys), and
 * of those only one issued after the control already applied to the same adapter, so that a
 * genuine control copied back onto the topic later (a replay) cannot undo a newer one. Anything
 * else is refused with the reason, and counted; a refused control changes nothing.
 *
 * <p>Not thread-safe: used from the registry's reader thread (the counts may be read from any).
 */
final class ControlAdmission {

    private final TrustedNodeKeys trusted;
    private final Map<String, Instant> lastApplied = new HashMap<>();
    private volatile long refused;
    private volatile String lastRefusal;

    ControlAdmission(TrustedNodeKeys trusted) {
        this.trusted = Objects.requireNonNull(trusted, "trusted");
    }

    TrustedNodeKeys trusted() {
        return trusted;
    }

    /**
     * Why {@code control} is refused, or empty when it is to be applied (it then becomes the one in
     * force for its adapter). A refusal is counted.
     */
    Optional<String> admit(AdapterControl control) {
        AdapterSignature.Check check = ControlSignature.verify(control, trusted);
        if (!check.trusted()) {
            return refuse(control.adapterName(), check.reason());
        }
        Instant previous = lastApplied.get(control.adapterName());
        if (previous != null && !control.issuedAt().isAfter(previous)) {
            return refuse(
                    control.adapterName(),
                    "issued at " + control.issuedAt() + ", not after the control already applied (issued at "
                            + previous + "): a replayed or stale control (nodes' clocks must agree to within the time "
                            + "between two controls of one adapter)");
        }
        lastApplied.put(control.adapterName(), control.issuedAt());
        return Optional.empty();
    }

    /** Counts a control record that could not even be read (malformed), with the reason. */
    void unreadable(String adapterName, String reason) {
        refuse(adapterName, "unreadable: " + reason);
    }

    /** Control records refused so far. */
    long refused() {
        return refused;
    }

    /** The last refusal, {@code "<adapter>: <why>"}; null when none. */
    String lastRefusal() {
        return lastRefusal;
    }

    private Optional<String> refuse(String adapterName, String reason) {
        refused++;
        lastRefusal = adapterName + ": " + reason;
        return Optional.of(reason);
    }
}
