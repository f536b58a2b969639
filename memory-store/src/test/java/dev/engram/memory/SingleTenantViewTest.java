package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lucene store leaves the tenant filter out of BM25 and of the vector search while its index
 * holds one tenant only: results must stay exactly the tenant's before, while and after a second
 * tenant is there (a deletion keeps the filter on).
 */
class SingleTenantViewTest {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final float[] WING = {1, 0, 0, 0, 0, 0, 0, 0};

    @TempDir
    Path tmp;

    private LuceneCaseStore store;

    @AfterEach
    void close() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void aStoreThatHeldOneTenantNeverLeaksItOnceASecondArrives() {
        store = LuceneCaseStore.open(tmp, CaseStoreConfig.defaults().withVectorDimension(8));
        store.ingest(episode("a1", "acme", "flutter of a heated wing"), WING);
        store.ingest(episode("a2", "acme", "drag of slender cones"), new float[] {0, 1, 0, 0, 0, 0, 0, 0});
        // Only acme's cases exist: recall may skip the tenant filter (BM25 and kNN), and must still be exact.
        assertThat(bm25("acme")).containsExactly("a1");
        assertThat(bm25("globex")).isEmpty();
        assertThat(dense("acme")).containsExactly("a1", "a2");
        assertThat(dense("globex")).isEmpty();

        store.ingest(episode("g1", "globex", "flutter of a heated wing"), WING);
        assertThat(bm25("acme")).containsExactly("a1");
        assertThat(bm25("globex")).containsExactly("g1");
        assertThat(dense("acme")).containsExactly("a1", "a2");
        assertThat(dense("globex")).containsExactly("g1");

        // After the other tenant is deleted, deletions keep the filter on; results stay the tenant's.
        store.deleteTenant("globex");
        assertThat(bm25("acme")).containsExactly("a1");
        assertThat(bm25("globex")).isEmpty();
        assertThat(dense("acme")).containsExactly("a1", "a2");
        assertThat(dense("globex")).isEmpty();
    }

    private static Episode episode(String id, String tenant, String task) {
        return new Episode(id, tenant, "agent", T0, task, "", "", 0.9, List.of());
    }

    private List<String> bm25(String tenant) {
        return ids(store.recall(RecallQuery.bm25(tenant, "flutter wing", 5)));
    }

    private List<String> dense(String tenant) {
        return ids(store.recall(RecallQuery.dense(tenant, "flutter wing", WING, 5)));
    }

    private static List<String> ids(RecallResult r) {
        return r.ranked().stream().map(s -> s.match().caseId()).toList();
    }
}
