package dev.engram.agentmodel;

import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.RetrievedCase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Supervised examples from a tenant's successful episodes. The prompt is the task with the recalled
 * cases the agent judged useful; the target is the plan the agent carried out; episodes under the
 * reward threshold, without a plan, or repeating an earlier task and plan are left out.
 *
 * <pre>
 * Task: {task}
 * Useful past cases:
 * - {case text, lines joined with " / "}
 * Plan:</pre>
 *
 * followed by the target {@code " " + plan} and the model's end-of-sequence token.
 *
 * <pre>{@code
 * ExampleSet set = new EpisodeExamples(tokenizer, model.config(), ExampleConfig.defaults())
 *         .build("acme", events, (tenant, id) -> store.get(tenant, id).map(Case::text));
 * }</pre>
 */
public final class EpisodeExamples {

    private final AgentTokenizer tokenizer;
    private final LlamaConfig model;
    private final ExampleConfig config;

    public EpisodeExamples(AgentTokenizer tokenizer, LlamaConfig model, ExampleConfig config) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The prompt text of a task and the useful cases' texts (what the model is asked to continue). */
    public static String prompt(String task, List<String> usefulCases) {
        StringBuilder sb = new StringBuilder("Task: ").append(oneLine(task)).append('\n');
        if (!usefulCases.isEmpty()) {
            sb.append("Useful past cases:\n");
            for (String c : usefulCases) {
                sb.append("- ").append(oneLine(c)).append('\n');
            }
        }
        return sb.append("Plan:").toString();
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\n\\s*", " / ");
    }

    /** Builds the examples of {@code tenant}'s successful episodes among {@code events}. */
    public ExampleSet build(String tenant, List<FeedbackEvent> events, CaseTexts cases) {
        List<SftExample> examples = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int belowReward = 0;
        int withoutPlan = 0;
        int duplicates = 0;
        int otherTenant = 0;
        int missingCases = 0;
        for (FeedbackEvent e : events) {
            if (!e.tenant().equals(tenant)) {
                otherTenant++;
                continue;
            }
            if (e.reward() < config.minReward()) {
                belowReward++;
                continue;
            }
            if (e.plan().isBlank()) {
                withoutPlan++;
                continue;
            }
            if (!seen.add(normalise(e.task()) + "\u0000" + normalise(e.plan()))) {
                duplicates++;
                continue;
            }
            List<String> useful = new ArrayList<>();
            List<RetrievedCase> judged = e.retrieved().stream()
                    .filter(c -> Boolean.TRUE.equals(c.useful()))
                    .sorted(Comparator.comparingInt(RetrievedCase::rank))
                    .toList();
            for (RetrievedCase c : judged) {
                if (useful.size() == config.maxPositives()) {
                    break;
                }
                Optional<String> text = cases.text(tenant, c.caseId());
                if (text.isPresent()) {
                    useful.add(text.get());
                } else {
                    missingCases++;
                }
            }
            examples.add(example(e.eventId(), e.task(), useful, e.plan()));
        }
        return new ExampleSet(examples, belowReward, withoutPlan, duplicates, otherTenant, missingCases);
    }

    /** One example from its parts (also what the gate scores a held-out episode with). */
    public SftExample example(String episodeId, String task, List<String> usefulCases, String plan) {
        long[] prompt = tokenizer.encode(prompt(task, usefulCases), true);
        if (prompt.length > config.maxPromptTokens()) {
            long[] cut = new long[config.maxPromptTokens()];
            cut[0] = prompt[0];
            System.arraycopy(prompt, prompt.length - (cut.length - 1), cut, 1, cut.length - 1);
            prompt = cut;
        }
        long[] plan0 = tokenizer.encode(" " + plan.strip(), false);
        boolean eos = !model.eosTokenIds().isEmpty();
        long[] target = Arrays.copyOf(plan0, plan0.length + (eos ? 1 : 0));
        if (eos) {
            target[plan0.length] = model.eosTokenIds().get(0);
        }
        if (target.length > config.maxTargetTokens()) {
            target = Arrays.copyOf(target, config.maxTargetTokens());
        }
        return new SftExample(episodeId, prompt, target);
    }

    private static String normalise(String text) {
        return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }
}
