package dev.engram.node.registry;

import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.TrustedWorkerKeys;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may propose a version, decided before the node writes a byte of its files: a version is
 * admitted to verification and the gate only when a trusted worker key signed it
 * ({@link AdapterSignature}), it is a {@link AdapterStatus#CANDIDATE} (a record that says
 * PROMOTED or REJECTED speaks for its publisher, and only this node's gate, or an operator's
 * control, decides what serves), and it names the tenant its adapter has belonged to since its
 * first admitted version (a trusted worker's candidate for one tenant cannot take over another's
 * adapter name).
 */
final class AdapterAdmission {

    private final TrustedWorkerKeys trusted;

    AdapterAdmission(TrustedWorkerKeys trusted) {
        this.trusted = Objects.requireNonNull(trusted, "trusted");
    }

    TrustedWorkerKeys trusted() {
        return trusted;
    }

    /**
     * Why {@code adapter} is refused, or empty when admitted.
     *
     * @param adapterTenant the tenant of the adapter's earlier admitted versions; null before the first
     */
    Optional<String> refusal(AdapterPublished adapter, String adapterTenant) {
        AdapterSignature.Check signature = AdapterSignature.verify(adapter, trusted);
        if (!signature.trusted()) {
            return Optional.of(signature.reason());
        }
        if (adapter.status() != AdapterStatus.CANDIDATE) {
            return Optional.of("published as " + adapter.status() + " by its publisher, not decided by this node's "
                    + "gate: only the gate promotes (workers publish candidates; operators pin or roll back)");
        }
        if (adapterTenant != null && !adapterTenant.equals(adapter.tenant())) {
            return Optional.of("names tenant '" + adapter.tenant() + "', but " + adapter.adapterName()
                    + " has belonged to tenant '" + adapterTenant + "' since its first version: an adapter's tenant "
                    + "never changes (train another adapter name for that tenant)");
        }
        return Optional.empty();
    }
}
