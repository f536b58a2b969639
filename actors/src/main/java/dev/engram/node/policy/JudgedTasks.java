package dev.engram.node.policy;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.node.registry.ServingAdapter;
import dev.engram.node.tuning.JudgedRecallLog;
import dev.engram.retriever.ranking.JudgedTask;
import dev.engram.retriever.ranking.JudgedTaskMemory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a tenant's past tasks taught: for every distinct task in the judged-feedback log, the cases
 * its recalls were judged useful or useless for (a case's verdict for a task is the balance of its
 * judgements; {@code useful: null} is settled by the episode's reward, as the store does). Tasks held
 * out for the gate are left out, so the gate never scores reuse on a task's own judgements.
 *
 * <p>The memory's task vectors come from the query tower of the version that serves (or that the
 * gate scores). A task's vector depends only on its text and the tower, so each tower's vectors are
 * kept by task text across changes of the log: when new feedback arrives, only tasks that tower has
 * not embedded yet are embedded, together in one {@link Embedder#embedQueries} call, and vectors of
 * tasks no longer in the memory are dropped. They are kept for up to two towers per tenant on
 * average and at most {@code residentTenants} tenants' worth (the least recently used leave first,
 * and are computed again when next used). Two, so that the memory the gate built for a candidate is
 * still there when the candidate is swapped in: its first recalls do not embed every judged task
 * again.
 */
public final class JudgedTasks {

    private final JudgedRecallLog log;
    private final double positiveRewardThreshold;
    /** Towers kept per resident tenant: the serving version's and a candidate's. */
    private static final int TOWERS_PER_TENANT = 2;

    /** Per tenant and tower, least recently used first. */
    private final Map<TowerKey, Cached> cache;

    private record TowerKey(String tenant, String tower) {}

    /**
     * A tower's memory at one log position; its tasks' vectors (by task text) are reused by the next
     * build under the same tower, as long as the tower's model is the same.
     */
    private record Cached(int logPosition, int heldOut, String modelId, JudgedTaskMemory memory) {}

    /** A task with the verdicts on its cases and an episode id to name it by. */
    record TaskVerdicts(String taskId, String task, Set<String> useful, Set<String> useless) {}

    public JudgedTasks(JudgedRecallLog log, CaseStoreConfig storeConfig) {
        this(log, storeConfig, JudgedRecallLog.DEFAULT_RESIDENT_TENANTS);
    }

    /** @param residentTenants most tenants whose task memories are kept */
    public JudgedTasks(JudgedRecallLog log, CaseStoreConfig storeConfig, int residentTenants) {
        this.log = Objects.requireNonNull(log, "log");
        this.positiveRewardThreshold = storeConfig.positiveRewardThreshold();
        if (residentTenants < 1) {
            throw new IllegalArgumentException("residentTenants must be >= 1, was " + residentTenants);
        }
        this.cache = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<TowerKey, Cached> eldest) {
                return size() > TOWERS_PER_TENANT * residentTenants;
            }
        });
    }

    /** The tenant's judged tasks (held-out ones left out), embedded with {@code version}'s query tower. */
    public JudgedTaskMemory memory(String tenant, ServingAdapter version) {
        Embedder tower = version.queryEmbedder();
        if (tower == null) {
            return JudgedTaskMemory.empty(tenant);
        }
        JudgedRecallLog.Snapshot snapshot = log.snapshot(tenant);
        Set<String> heldOut = new HashSet<>(log.heldOutTasks(tenant));
        TowerKey key = new TowerKey(tenant, version.label());
        Cached cached = cache.get(key);
        if (cached != null && cached.logPosition() == snapshot.position() && cached.heldOut() == heldOut.size()) {
            return cached.memory();
        }
        List<TaskVerdicts> tasks = verdicts(all(snapshot), heldOut, false);
        tasks.removeIf(t -> t.useful().isEmpty() && t.useless().isEmpty());
        Map<String, float[]> vectors = known(cached, tower);
        List<String> unseen = new ArrayList<>();
        for (TaskVerdicts t : tasks) {
            if (!vectors.containsKey(t.task())) {
                unseen.add(t.task());
            }
        }
        if (!unseen.isEmpty()) {
            List<float[]> embedded;
            try (NoGradScope ignored = NoGradScope.enter()) {
                embedded = tower.embedQueries(unseen);
            }
            for (int i = 0; i < unseen.size(); i++) {
                vectors.put(unseen.get(i), embedded.get(i));
            }
        }
        List<JudgedTask> judged = new ArrayList<>(tasks.size());
        for (TaskVerdicts t : tasks) {
            judged.add(new JudgedTask(t.taskId(), vectors.get(t.task()), t.useful(), t.useless(), t.task()));
        }
        JudgedTaskMemory memory = new JudgedTaskMemory(tenant, judged);
        cache.put(key, new Cached(snapshot.position(), heldOut.size(), tower.modelId(), memory));
        return memory;
    }

    /**
     * The vectors an earlier build under this tower computed, by task text: only the memory's tasks,
     * so a task that left the log (or was held out) leaves with its vector.
     */
    private static Map<String, float[]> known(Cached cached, Embedder tower) {
        Map<String, float[]> vectors = new HashMap<>();
        if (cached != null && cached.modelId().equals(tower.modelId())) {
            for (JudgedTask t : cached.memory().tasks()) {
                vectors.put(t.text(), t.vector());
            }
        }
        return vectors;
    }

    /** The tenant's held-out tasks with their verdicts: what the gate scores on. */
    List<TaskVerdicts> heldOut(String tenant) {
        return verdicts(all(log.snapshot(tenant)), new HashSet<>(log.heldOutTasks(tenant)), true);
    }

    /** The tenant's training (not held-out) tasks with their verdicts: what a policy is fitted on. */
    List<TaskVerdicts> training(String tenant) {
        return verdicts(all(log.snapshot(tenant)), new HashSet<>(log.heldOutTasks(tenant)), false);
    }

    private static List<Episode> all(JudgedRecallLog.Snapshot snapshot) {
        List<Episode> all = new ArrayList<>(snapshot.older());
        all.addAll(snapshot.fresh());
        return all;
    }

    /** Groups episodes by task text and settles each case's verdict per task (ties count as unjudged). */
    private List<TaskVerdicts> verdicts(List<Episode> episodes, Set<String> heldOut, boolean wantHeldOut) {
        Map<String, Map<String, Integer>> balance = new LinkedHashMap<>();
        Map<String, String> firstId = new HashMap<>();
        for (Episode e : episodes) {
            if (heldOut.contains(e.task()) != wantHeldOut) {
                continue;
            }
            firstId.putIfAbsent(e.task(), e.eventId());
            Map<String, Integer> cases = balance.computeIfAbsent(e.task(), t -> new LinkedHashMap<>());
            for (Judgement j : e.judgements()) {
                boolean useful = j.useful() != null ? j.useful() : e.reward() >= positiveRewardThreshold;
                cases.merge(j.caseId(), useful ? 1 : -1, Integer::sum);
            }
        }
        List<TaskVerdicts> out = new ArrayList<>(balance.size());
        for (Map.Entry<String, Map<String, Integer>> task : balance.entrySet()) {
            Set<String> useful = new HashSet<>();
            Set<String> useless = new HashSet<>();
            task.getValue().forEach((caseId, b) -> {
                if (b > 0) {
                    useful.add(caseId);
                } else if (b < 0) {
                    useless.add(caseId);
                }
            });
            out.add(new TaskVerdicts(firstId.get(task.getKey()), task.getKey(), useful, useless));
        }
        return out;
    }
}
