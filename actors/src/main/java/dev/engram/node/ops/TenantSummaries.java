package dev.engram.node.ops;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.node.registry.AdapterRegistry;
import dev.engram.node.registry.AdapterVersionView;
import dev.engram.node.registry.AdapterView;
import dev.engram.streams.AdapterKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Builds the {@link TenantSummary}s of {@code GET /v1/tenants} from the case store (counted case by
 * case: polarity depends on each case's judgements) and the adapter registry.
 *
 * <pre>{@code
 * List<TenantSummary> all = new TenantSummaries(store, storeConfig, registry).summaries(t -> true);
 * }</pre>
 *
 * <p>It reads every case of each tenant asked for, page by page: seconds for a few hundred thousand
 * cases, so callers run it off the request threads and ask for the tenants they show.
 */
public final class TenantSummaries {

    private static final int PAGE = 1_000;

    private final CaseStore store;
    private final CaseStoreConfig config;
    private final AdapterRegistry adapters;

    public TenantSummaries(CaseStore store, CaseStoreConfig config, AdapterRegistry adapters) {
        this.store = Objects.requireNonNull(store, "store");
        this.config = Objects.requireNonNull(config, "config");
        this.adapters = Objects.requireNonNull(adapters, "adapters");
    }

    /** The tenants {@code visible} accepts that have cases or an adapter, in tenant order. */
    public List<TenantSummary> summaries(Predicate<String> visible) {
        Map<String, AdapterView> byTenant = adapters.adapters().stream()
                .filter(a -> a.tenant() != null && a.kind() == AdapterKind.RETRIEVER)
                .collect(Collectors.toMap(AdapterView::tenant, a -> a, (a, b) -> a));
        java.util.SortedSet<String> tenants = new java.util.TreeSet<>(store.tenants());
        tenants.addAll(byTenant.keySet());
        List<TenantSummary> out = new ArrayList<>();
        for (String tenant : tenants) {
            if (visible.test(tenant)) {
                out.add(summary(tenant, byTenant.get(tenant)));
            }
        }
        return out;
    }

    private TenantSummary summary(String tenant, AdapterView adapter) {
        long cases = 0;
        long positive = 0;
        long judgedCases = 0;
        long judgements = 0;
        long useful = 0;
        String after = null;
        while (true) {
            List<Case> page = store.cases(tenant, after, PAGE);
            for (Case c : page) {
                cases++;
                positive += config.isPositive(c) ? 1 : 0;
                judgedCases += c.timesRecalled() > 0 ? 1 : 0;
                judgements += c.timesRecalled();
                useful += c.timesUseful();
            }
            if (page.size() < PAGE) {
                break;
            }
            after = page.get(page.size() - 1).caseId();
        }
        List<TenantSummary.VersionQuality> versions = new ArrayList<>();
        if (adapter != null) {
            for (AdapterVersionView v : adapter.versions()) {
                versions.add(new TenantSummary.VersionQuality(
                        v.version(),
                        v.status().name(),
                        v.metrics() == null ? null : v.metrics().heldOutNdcg10(),
                        v.metrics() == null ? null : v.metrics().parentHeldOutNdcg10(),
                        v.metrics() == null ? 0 : v.metrics().heldOutQueries(),
                        v.serving(),
                        v.createdAt()));
            }
        }
        return new TenantSummary(
                tenant,
                cases,
                positive,
                cases - positive,
                cases == 0 ? 0 : Math.round(1000.0 * positive / cases) / 1000.0,
                judgedCases,
                judgements,
                useful,
                judgements == 0 ? null : Math.round(1000.0 * useful / judgements) / 1000.0,
                adapter == null ? null : adapter.name(),
                adapter == null ? null : adapter.serving(),
                adapter == null ? null : adapter.pinned(),
                versions);
    }
}
