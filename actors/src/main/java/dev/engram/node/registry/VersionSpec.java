package dev.engram.node.registry;

import java.util.Collection;
import java.util.List;

/**
 * A version of a tenant's adapter as an operator names it to try it: {@code "2"} or {@code "v2"}
 * (the tenant's only adapter), or {@code "<adapter>/v2"} when the tenant has several.
 *
 * @param adapterName the adapter named, or null when the spec names only a version
 * @param number the version number
 */
record VersionSpec(String adapterName, long number) {

    /**
     * Reads {@code given}.
     *
     * @throws IllegalArgumentException when it is none of the forms above
     */
    static VersionSpec parse(String given) {
        String spec = given.strip();
        int slash = spec.lastIndexOf('/');
        String name = slash < 0 ? null : spec.substring(0, slash);
        String text = slash < 0 ? spec : spec.substring(slash + 1);
        String digits = text.startsWith("v") ? text.substring(1) : text;
        if (!digits.matches("\\d{1,18}")) {
            throw new IllegalArgumentException("version '" + given + "' is not one: give 'serving', 'base', a number "
                    + "such as '3' or 'v3', or '<adapter>/v3'");
        }
        return new VersionSpec(name, Long.parseLong(digits));
    }

    /**
     * The history of the one adapter of {@code tenant} this spec names, among {@code histories}
     * (read under the registry's lock).
     *
     * @throws UnknownVersionException when the tenant has no such adapter, several that fit, or the
     *     adapter has no such version
     */
    AdapterHistory find(String tenant, Collection<AdapterHistory> histories) throws UnknownVersionException {
        List<AdapterHistory> own = histories.stream()
                .filter(h -> tenant.equals(h.tenant()))
                .filter(h -> adapterName == null || h.adapterName().equals(adapterName))
                .toList();
        if (own.isEmpty()) {
            throw new UnknownVersionException("tenant '" + tenant + "' has no adapter"
                    + (adapterName == null ? "" : " named '" + adapterName + "'")
                    + " on this node (GET /v1/adapters lists them)");
        }
        if (own.size() > 1) {
            throw new UnknownVersionException("tenant '" + tenant + "' has several adapters ("
                    + own.stream().map(AdapterHistory::adapterName).toList() + "): name one, e.g. '"
                    + own.get(0).adapterName() + "/v" + number + "'");
        }
        AdapterHistory history = own.get(0);
        if (history.get(number) == null) {
            throw new UnknownVersionException(history.adapterName() + " has no version " + number
                    + " on this node (GET /v1/adapters/" + history.adapterName() + " lists them)");
        }
        return history;
    }
}
