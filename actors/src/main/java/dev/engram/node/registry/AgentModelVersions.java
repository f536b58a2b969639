package dev.engram.node.registry;

import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.PlanLossMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@link AdapterKind#AGENT_MODEL} adapters this node has read, for listings only. A node serves
 * recall with its encoder and has no agent model to load such an adapter into, so nothing of one is
 * written to disk or loaded: an admitted version is listed with the plan-loss gate's verdict its
 * trainer signed (promoted or rejected, with the gate's reason), a refused one as rejected with why.
 * Not thread-safe: the registry guards it.
 */
final class AgentModelVersions {

    private final Map<String, String> tenants = new HashMap<>();
    private final Map<String, NavigableMap<Long, AdapterVersionView>> versions = new TreeMap<>();
    private final Set<String> admitted = new HashSet<>();

    /** Whether {@code name} is an agent-model adapter's. */
    boolean has(String name) {
        return versions.containsKey(name);
    }

    /** The tenant of the adapter's earlier admitted versions; null before the first. */
    String tenant(String name) {
        return tenants.get(name);
    }

    /**
     * Lists {@code adapter} (an agent-model version); {@code refusal} is why admission refused it.
     * A refused record never replaces a version admitted earlier under its key.
     */
    void put(AdapterPublished adapter, Optional<String> refusal) {
        NavigableMap<Long, AdapterVersionView> listed =
                versions.computeIfAbsent(adapter.adapterName(), n -> new TreeMap<>());
        if (refusal.isPresent() && admitted.contains(adapter.key())) {
            return;
        }
        PlanLossMetrics gate = adapter.planLoss();
        AdapterStatus status;
        String reason;
        if (refusal.isPresent()) {
            status = AdapterStatus.REJECTED;
            reason = refusal.get();
        } else {
            tenants.putIfAbsent(adapter.adapterName(), adapter.tenant());
            admitted.add(adapter.key());
            status = gate.promote() ? AdapterStatus.PROMOTED : AdapterStatus.REJECTED;
            reason = "plan-loss gate (signed by its trainer): " + gate.reason()
                    + "; an agent-model adapter is not loaded by nodes, runtimes get it through the SDK";
        }
        // Never verified: a node has no agent model to load the files into.
        listed.put(
                adapter.version(),
                new AdapterVersionView(
                        adapter.version(),
                        status,
                        reason,
                        null,
                        gate,
                        adapter.payloadSha256(),
                        false,
                        false,
                        null,
                        false,
                        adapter.method().wireName(),
                        adapter.createdAt()));
    }

    /** One adapter's listing, or null when no agent-model version of that name was read. */
    AdapterView view(String name) {
        NavigableMap<Long, AdapterVersionView> listed = versions.get(name);
        return listed == null
                ? null
                : new AdapterView(
                        name,
                        AdapterKind.AGENT_MODEL,
                        tenants.get(name),
                        null,
                        null,
                        null,
                        List.copyOf(listed.values()));
    }

    /** Every agent-model adapter's listing, by name. */
    List<AdapterView> views() {
        List<AdapterView> out = new ArrayList<>();
        versions.keySet().forEach(name -> out.add(view(name)));
        return out;
    }
}
