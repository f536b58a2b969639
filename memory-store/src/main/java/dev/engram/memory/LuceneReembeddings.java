package dev.engram.memory;

import dev.engram.memory.internal.CaseDocuments;
import dev.engram.memory.internal.GuardedIndex;
import dev.engram.memory.internal.UnitVectors;
import dev.engram.memory.internal.VectorGenerations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The vector generations of a {@link LuceneCaseStore}'s tenants and their re-embeddings.
 *
 * <p>A tenant's vectors live in the field of its active generation ({@code vector}, or
 * {@code vector_g<N>} after re-embeddings); the active generation of each tenant is stored in the
 * commit user data next to (and hidden from) {@link CaseStore#committedData()}. A re-embedding
 * rewrites each case document with the old and the new vector (stored fields and counters kept),
 * and its commit switches the generation under the write lock after a refresh, then commits. A
 * recall reads the generation consistently with its searcher ({@link GuardedIndex#readConsistent}),
 * so it always searches one complete generation.
 *
 * <p>Everything that changes here runs under the store's write lock.
 */
final class LuceneReembeddings {
    private final LuceneCaseStore store;
    private final GuardedIndex index;
    private final int dimension;
    /** Tenant -> active vector generation (absent: 0); replaced as a whole under the write lock. */
    private volatile Map<String, Integer> active;
    /** The running re-embedding of each tenant; under the write lock. */
    private final Map<String, LuceneVectorReembedding> running = new HashMap<>();
    /** The highest vector generation ever handed out by this store; under the write lock. */
    private int highestGeneration;

    LuceneReembeddings(LuceneCaseStore store, GuardedIndex index, int dimension) {
        this.store = store;
        this.index = index;
        this.dimension = dimension;
        this.active = VectorGenerations.fromCommitData(index.commitDataAtOpen());
    }

    /** The tenant's active vector generation. */
    int active(String tenant) {
        return active.getOrDefault(tenant, 0);
    }

    /** Every tenant's active generation (tenants at 0 may be absent), for the commit user data. */
    Map<String, Integer> activeGenerations() {
        return active;
    }

    /** The generations a rewrite of one of the tenant's cases keeps: the active one and the running re-embedding's. */
    List<Integer> keptLocked(String tenant) {
        List<Integer> kept = new ArrayList<>(List.of(active(tenant)));
        LuceneVectorReembedding r = running.get(tenant);
        if (r != null) {
            kept.add(r.generation());
        }
        return kept;
    }

    VectorReembedding begin(String tenant) {
        return index.write(() -> {
            if (running.containsKey(tenant)) {
                throw new IllegalStateException("tenant " + tenant + " already has a re-embedding running "
                        + "(generation " + running.get(tenant).generation() + "); commit or abort it first");
            }
            index.refreshLocked();
            int inIndex = index.view(view -> view.highestVectorGeneration());
            int highestActive =
                    active.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            // fresh per store: vectors of an abandoned attempt (e.g. before a crash) never count as put
            highestGeneration = Math.max(highestGeneration, Math.max(inIndex, highestActive)) + 1;
            LuceneVectorReembedding r = new LuceneVectorReembedding(this, tenant, highestGeneration);
            running.put(tenant, r);
            return r;
        });
    }

    boolean put(LuceneVectorReembedding r, String caseId, float[] vector) {
        CaseDocuments.checkId(caseId, "caseId");
        float[] unit = UnitVectors.normalized(vector, dimension, "vector");
        return index.write(() -> {
            ensureRunning(r);
            return store.rewriteVectorsLocked(r.tenant(), caseId, v -> v.put(r.generation(), unit));
        });
    }

    VectorReembedding.Progress progress(LuceneVectorReembedding r) {
        return index.read(view -> new VectorReembedding.Progress(
                view.countWithVectorOnlyIn(r.tenant(), r.generation(), -1),
                view.countWithVectorOnlyIn(r.tenant(), active(r.tenant()), r.generation())));
    }

    List<String> missing(LuceneVectorReembedding r, int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be in [1, 10000], was " + limit);
        }
        return index.read(view -> view.caseIdsWithVectorOnlyIn(r.tenant(), active(r.tenant()), r.generation(), limit));
    }

    void commit(LuceneVectorReembedding r) {
        index.write(() -> {
            ensureRunning(r);
            index.refreshLocked();
            String tenant = r.tenant();
            long missing = index.view(view -> view.countWithVectorOnlyIn(tenant, active(tenant), r.generation()));
            if (missing > 0) {
                throw new IllegalStateException(missing + " case(s) of tenant " + tenant + " have a vector but no "
                        + "new one of generation " + r.generation() + " (e.g. they arrived during the "
                        + "re-embedding); put them (see missingCaseIds) and commit again");
            }
            Map<String, Integer> next = new HashMap<>(active);
            next.put(tenant, r.generation());
            active = Map.copyOf(next); // the switch: recalls read this once each
            running.remove(tenant);
            r.finished();
            return store.commitLocked(null);
        });
    }

    void abort(LuceneVectorReembedding r) {
        index.write(() -> {
            ensureRunning(r);
            running.remove(r.tenant()); // from now on a rewrite keeps the active generation only
            r.finished();
            while (true) {
                index.refreshLocked();
                List<String> ids =
                        index.view(view -> view.caseIdsWithVectorOnlyIn(r.tenant(), r.generation(), -1, 1000));
                if (ids.isEmpty()) {
                    return null;
                }
                for (String id : ids) {
                    store.rewriteVectorsLocked(r.tenant(), id, v -> {});
                }
            }
        });
    }

    private void ensureRunning(LuceneVectorReembedding r) {
        if (running.get(r.tenant()) != r) {
            throw new IllegalStateException("the re-embedding of tenant " + r.tenant() + " to generation "
                    + r.generation() + " was already committed or aborted");
        }
    }
}
