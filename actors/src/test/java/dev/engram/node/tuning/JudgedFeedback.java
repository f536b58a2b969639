package dev.engram.node.tuning;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tenant's memory for scheduler tests: one case per topic, and judged episodes whose task asks
 * about a topic, judging that topic's case useful (rank 1) and the next topic's case not (rank 2).
 */
final class JudgedFeedback {

    static final String[][] TOPICS = {
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

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final String tenant;
    private final Map<String, Case> cases = new HashMap<>();
    private int next;

    JudgedFeedback(String tenant) {
        this.tenant = tenant;
        for (int i = 0; i < TOPICS.length; i++) {
            cases.put(
                    caseId(i), new Case(caseId(i), tenant, "seed", TOPICS[i][0], TOPICS[i][1], "", 1.0, T0, T0, 0, 0));
        }
    }

    static String caseId(int topic) {
        return "case-" + topic;
    }

    Optional<Case> lookup(String caseId) {
        return Optional.ofNullable(cases.get(caseId));
    }

    /** The seed cases as episodes without judgements (what the stream carries first). */
    List<Episode> seeds() {
        List<Episode> out = new ArrayList<>();
        for (int i = 0; i < TOPICS.length; i++) {
            out.add(new Episode(caseId(i), tenant, "seed", T0, TOPICS[i][0], TOPICS[i][1], "", 1.0, List.of()));
        }
        return out;
    }

    /** {@code n} new judged episodes, cycling through the topics with distinct task wordings. */
    List<Episode> judged(int n) {
        List<Episode> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int i = next % TOPICS.length;
            int variant = next / TOPICS.length;
            next++;
            String task = variant == 0 ? TOPICS[i][0] : TOPICS[i][0] + " (question " + variant + ")";
            out.add(new Episode(
                    tenant + "-ev-" + next,
                    tenant,
                    "agent",
                    T0.plusSeconds(next),
                    task,
                    "read the case",
                    "answered",
                    0.9,
                    List.of(
                            new Judgement(caseId(i), 1, true),
                            new Judgement(caseId((i + 1) % TOPICS.length), 2, false))));
        }
        return out;
    }

    /** The same tasks and judgements again under new event ids: agents that repeat their tasks. */
    List<Episode> again(List<Episode> episodes) {
        List<Episode> out = new ArrayList<>();
        for (Episode e : episodes) {
            next++;
            out.add(new Episode(
                    tenant + "-ev-" + next,
                    tenant,
                    e.agentId(),
                    T0.plusSeconds(next),
                    e.task(),
                    e.plan(),
                    e.outcome(),
                    e.reward(),
                    e.judgements()));
        }
        return out;
    }

    /** {@code n} judged episodes that found nothing useful. */
    List<Episode> useless(int n) {
        List<Episode> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            next++;
            out.add(new Episode(
                    tenant + "-ev-" + next,
                    tenant,
                    "agent",
                    T0.plusSeconds(next),
                    "unrelated task " + next,
                    "",
                    "",
                    0.1,
                    List.of(new Judgement(caseId(k % TOPICS.length), 1, false))));
        }
        return out;
    }
}
