package dev.engram.node.auth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.engram.streams.EventLimits;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The tenants a key may act on: a list of tenant names, or {@code ["*"]} for every tenant. On the
 * wire and in {@code keys.json} it is that list.
 *
 * <pre>{@code
 * TenantScope.ALL.allows("acme");                       // true
 * TenantScope.parse("acme,globex").allows("initech");   // false
 * }</pre>
 *
 * @param tenants the tenant names, sorted and without duplicates, or exactly {@code ["*"]}
 */
public record TenantScope(List<String> tenants) {

    /** The wildcard that stands for every tenant. */
    public static final String EVERY_TENANT = "*";
    /** Every tenant. */
    public static final TenantScope ALL = new TenantScope(List.of(EVERY_TENANT));

    public TenantScope {
        if (tenants == null || tenants.isEmpty()) {
            throw new IllegalArgumentException("tenants must name at least one tenant, or be [\"*\"] for every tenant");
        }
        if (tenants.contains(EVERY_TENANT)) {
            if (tenants.size() != 1) {
                throw new IllegalArgumentException(
                        "tenants: \"*\" (every tenant) cannot be combined with names, was " + tenants);
            }
        } else {
            for (String t : tenants) {
                if (t == null || !EventLimits.TENANT_PATTERN.matcher(t).matches()) {
                    throw new IllegalArgumentException("tenants: '" + t + "' must match " + EventLimits.TENANT_REGEX
                            + " (or be \"*\" for every tenant)");
                }
            }
            tenants = new LinkedHashSet<>(tenants.stream().sorted().toList())
                    .stream().toList();
        }
        tenants = List.copyOf(tenants);
    }

    /** The scope of a list such as {@code ["acme", "globex"]} or {@code ["*"]}. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static TenantScope of(List<String> tenants) {
        return new TenantScope(tenants);
    }

    /** Parses {@code "acme,globex"} or {@code "*"}. */
    public static TenantScope parse(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            throw new IllegalArgumentException(
                    "tenants must be a comma-separated list of tenants, or * for every tenant");
        }
        return new TenantScope(
                Arrays.stream(commaSeparated.split(",")).map(String::strip).toList());
    }

    @JsonValue
    @Override
    public List<String> tenants() {
        return tenants;
    }

    /** {@code true} for {@code ["*"]}. */
    public boolean everyTenant() {
        return tenants.equals(List.of(EVERY_TENANT));
    }

    /** {@code true} when a key with this scope may act on {@code tenant}. */
    public boolean allows(String tenant) {
        return everyTenant() || (tenant != null && tenants.contains(tenant));
    }

    /** {@code true} when every tenant {@code other} allows, this scope allows too. */
    public boolean covers(TenantScope other) {
        return everyTenant() || (!other.everyTenant() && tenants.containsAll(other.tenants));
    }

    @Override
    public String toString() {
        return String.join(",", tenants);
    }
}
