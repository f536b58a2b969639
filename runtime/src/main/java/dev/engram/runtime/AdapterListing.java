package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Optional;

/**
 * A node's adapters and the margins of its promotion gate ({@code GET /v1/adapters}); a key sees
 * the adapters of its tenants only.
 *
 * @param adapters every adapter the key may see
 * @param gate the margins the node's gate promotes candidates by
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AdapterListing(List<AdapterInfo> adapters, Gate gate) {

    /**
     * The node's promotion gate: a candidate serves when its held-out nDCG@10 gain over the serving
     * version is at least {@code minHeldOutGain}, its retention loss at most {@code maxRetentionLoss},
     * and the lower bound of the paired interval of coverage {@code confidence} (default 0.95) no lower
     * than {@code -maxHeldOutLoss}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Gate(double minHeldOutGain, double maxRetentionLoss, double maxHeldOutLoss, double confidence) {}

    public AdapterListing {
        adapters = adapters == null ? List.of() : List.copyOf(adapters);
    }

    /** The adapter named {@code name}, if the key may see it. */
    public Optional<AdapterInfo> adapter(String name) {
        return adapters.stream().filter(a -> a.name().equals(name)).findFirst();
    }
}
