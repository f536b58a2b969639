package dev.engram.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded stream of episodes over two tenants whose judgements point at earlier cases of the same
 * tenant (and sometimes at unknown ids), with the statistics a correct store must end up with,
 * computed here independently of the store.
 */
final class SyntheticEpisodes {
    static final String[] TENANTS = {"acme", "globex"};
    private static final String[] WORDS = {
        "wing",
        "flutter",
        "boundary",
        "layer",
        "shock",
        "wave",
        "heat",
        "transfer",
        "nozzle",
        "supersonic",
        "pressure",
        "drag",
        "lift",
        "turbulent",
        "laminar",
        "cone",
        "plate",
        "stagnation",
        "vortex",
        "panel",
        "buckling",
        "cylinder",
        "jet",
        "mach",
        "hypersonic",
        "slender"
    };

    final List<Episode> episodes = new ArrayList<>();
    final List<float[]> vectors = new ArrayList<>();
    /** tenant/caseId -> {timesRecalled, timesUseful}. */
    final Map<String, long[]> expectedStats = new HashMap<>();

    long expectedUnknown;

    SyntheticEpisodes(int n, int dimension, double threshold, long seed) {
        Random r = new Random(seed);
        Map<String, List<String>> idsByTenant = new HashMap<>();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < n; i++) {
            String tenant = TENANTS[r.nextInt(TENANTS.length)];
            String id = "evt-" + i;
            double reward = Math.round(r.nextDouble() * 100) / 100.0;
            List<String> earlier = idsByTenant.computeIfAbsent(tenant, t -> new ArrayList<>());
            List<Judgement> judgements = new ArrayList<>();
            int nj = earlier.isEmpty() ? 0 : r.nextInt(4);
            for (int j = 0; j < nj; j++) {
                String target = earlier.get(r.nextInt(earlier.size()));
                int u = r.nextInt(3);
                Boolean useful = u == 0 ? null : u == 1;
                judgements.add(new Judgement(target, j + 1, useful));
                long[] s = expectedStats.get(tenant + "/" + target);
                s[0]++;
                if (useful == null ? reward >= threshold : useful) {
                    s[1]++;
                }
            }
            if (r.nextInt(10) == 0) {
                judgements.add(new Judgement("unknown-" + i, 9, true));
                expectedUnknown++;
            }
            episodes.add(new Episode(
                    id,
                    tenant,
                    "agent-" + r.nextInt(3),
                    t0.plusSeconds(i),
                    sentence(r, 8),
                    sentence(r, 6),
                    sentence(r, 4),
                    reward,
                    judgements));
            vectors.add(r.nextInt(3) == 0 ? null : randomVector(r, dimension));
            earlier.add(id);
            expectedStats.put(tenant + "/" + id, new long[2]);
        }
    }

    private static String sentence(Random r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    static float[] randomVector(Random r, int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
