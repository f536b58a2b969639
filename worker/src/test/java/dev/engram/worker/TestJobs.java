package dev.engram.worker;

import dev.engram.streams.AdapterMethod;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TrainingExample;
import dev.engram.streams.TrainingJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Small, self-contained training jobs: a few aeronautics tasks, 1 epoch, 64 word pieces. */
public final class TestJobs {

    public static final String[][] PAIRS = {
        {
            "boundary layer transition on a flat plate",
            "Experiments on laminar to turbulent transition of the boundary layer over a flat plate at low speed."
        },
        {
            "heat transfer at hypersonic speeds",
            "Measured heat transfer rates on blunt bodies in hypersonic flow at Mach 8."
        },
        {"flutter of swept wings", "Flutter analysis of swept cantilever wings with structural damping."},
        {
            "shock wave interaction with a boundary layer",
            "Shock induced separation of a turbulent boundary layer on a compression ramp."
        },
        {
            "buckling of thin cylindrical shells",
            "Buckling loads of thin-walled circular cylinders under axial compression."
        },
        {
            "slender body aerodynamics at supersonic speed",
            "Pressure distribution on slender bodies of revolution in supersonic flow."
        },
        {
            "creep of metals at high temperature",
            "Creep behaviour of aluminium alloys at elevated temperatures under constant stress."
        },
        {"jet noise reduction", "Noise from subsonic jets and methods of reducing its intensity by nozzle shaping."},
    };

    private TestJobs() {}

    public static LoraTrainingConfig smallConfig() {
        return config(1);
    }

    /** As {@link #smallConfig()} with {@code epochs} passes: two optimizer steps per epoch. */
    public static LoraTrainingConfig config(int epochs) {
        return new LoraTrainingConfig(4, 8, 0.0, List.of("query", "value"), false, false, epochs, 4, 1e-3, 7, 64);
    }

    public static TrainingJob job(String jobId, String tenant, long targetVersion, Long base) {
        return job(jobId, tenant, targetVersion, base, 1);
    }

    /** A job of {@code epochs} passes over the eight pairs ({@code 2 * epochs} steps). */
    public static TrainingJob job(String jobId, String tenant, long targetVersion, Long base, int epochs) {
        List<TrainingExample> examples = new ArrayList<>();
        for (int i = 0; i < PAIRS.length; i++) {
            String negative = PAIRS[(i + 1) % PAIRS.length][1];
            examples.add(new TrainingExample(PAIRS[i][0], PAIRS[i][1], List.of(negative)));
        }
        List<HeldOutQuery> heldOut = List.of(query("h1", 0), query("h2", 2));
        List<HeldOutQuery> retention = List.of(query("r1", 5));
        return new TrainingJob(
                TrainingJob.SCHEMA_VERSION,
                jobId,
                tenant,
                tenant + "-retriever",
                targetVersion,
                base,
                "sentence-transformers/all-MiniLM-L6-v2",
                AdapterMethod.LORA_QUERY_SIDE,
                config(epochs),
                examples,
                heldOut,
                retention,
                Instant.parse("2025-01-01T00:00:00Z"),
                1,
                null);
    }

    /** A judged query: the pair's case is relevant, three others are not. */
    private static HeldOutQuery query(String id, int pair) {
        List<HeldOutQuery.Candidate> candidates = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            int j = (pair + k) % PAIRS.length;
            candidates.add(new HeldOutQuery.Candidate("c" + j, PAIRS[j][1], k == 0 ? 1 : 0));
        }
        return new HeldOutQuery(id, PAIRS[pair][0], candidates);
    }
}
