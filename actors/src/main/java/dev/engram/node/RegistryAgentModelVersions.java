package dev.engram.node;

import dev.engram.node.registry.AdapterRegistry;
import dev.engram.node.registry.AdapterVersionView;
import dev.engram.node.registry.AdapterView;
import dev.engram.node.tuning.AdapterVersions;
import dev.engram.streams.AdapterStatus;
import java.util.Optional;

/**
 * Agent-model adapters' versions as the node's registry lists them: the highest of any status, and
 * the one that serves, i.e. the newest a trusted worker signed with a promoting plan-loss verdict.
 */
final class RegistryAgentModelVersions implements AdapterVersions {

    private final AdapterRegistry registry;

    RegistryAgentModelVersions(AdapterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public boolean caughtUp() {
        return registry.caughtUp();
    }

    @Override
    public Optional<Long> serving(String adapterName) {
        AdapterView view = registry.adapter(adapterName);
        if (view == null) {
            return Optional.empty();
        }
        return view.versions().stream()
                .filter(v -> v.status() == AdapterStatus.PROMOTED)
                .map(AdapterVersionView::version)
                .max(Long::compare);
    }

    @Override
    public long highest(String adapterName) {
        AdapterView view = registry.adapter(adapterName);
        return view == null
                ? 0
                : view.versions().stream()
                        .mapToLong(AdapterVersionView::version)
                        .max()
                        .orElse(0);
    }
}
