package dev.engram.runtime.example;

import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.Feedback;
import dev.engram.runtime.Subscription;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * A complete agent loop on the SDK: recall the useful past cases for a task, act (faked here: an
 * agent would prompt its LLM with the cases), send feedback that says how it went and which cases
 * helped, and follow the adapters Engram publishes meanwhile.
 *
 * <pre>
 * java -cp engram-runtime.jar:... dev.engram.runtime.example.AgentLoopExample \
 *     http://localhost:8080 localhost:9092 acme 5
 * </pre>
 *
 * Arguments: node URL, Kafka bootstrap servers, tenant, rounds, the trusted worker keys (default:
 * http://localhost:8080, localhost:9092, demo, 5, .engram/worker/worker-key.pub: the key of the
 * worker a local {@code engram serve} runs). The API key comes from the environment variable
 * {@code ENGRAM_API_KEY} (a reader's key of the tenant; a local node's admin key is in
 * {@code .engram/admin.key}).
 */
public final class AgentLoopExample {

    private static final List<String> TASKS = List.of(
            "customer says the parcel arrived damaged and wants a refund",
            "customer asks to change the delivery address after dispatch",
            "customer was charged twice for one order",
            "customer wants to return an opened item after 40 days");

    private AgentLoopExample() {}

    public static void main(String[] args) {
        URI nodeUrl = URI.create(args.length > 0 ? args[0] : "http://localhost:8080");
        String bootstrap = args.length > 1 ? args[1] : "localhost:9092";
        String tenant = args.length > 2 ? args[2] : "demo";
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Path trustedWorkers = Path.of(args.length > 4 ? args[4] : ".engram/worker/worker-key.pub");
        Random random = new Random(7);

        try (EngramClient engram = EngramClient.builder()
                        .nodeUrl(nodeUrl)
                        .apiKey(System.getenv("ENGRAM_API_KEY"))
                        .bootstrapServers(bootstrap)
                        .trustedWorkers(trustedWorkers)
                        .agentId("example-agent")
                        .build();
                Subscription adapters = engram.onAdapter(a -> System.out.printf(
                        "[adapter] %s v%d promoted for %s (%s)%n",
                        a.adapterName(),
                        a.version(),
                        a.tenant(),
                        a.kind() == AdapterKind.AGENT_MODEL
                                ? String.format(
                                        "agent-model, held-out plan loss %.3f vs %.3f",
                                        a.planLoss().candidateNll(),
                                        a.planLoss().servingNll())
                                : String.format(
                                        "held-out nDCG@10 %.3f vs %.3f",
                                        a.metrics().heldOutNdcg10(), a.metrics().parentHeldOutNdcg10())))) {

            for (int round = 1; round <= rounds; round++) {
                String task = TASKS.get(random.nextInt(TASKS.size()));
                Feedback.Builder feedback;
                RecalledCase followed = null;
                try {
                    RecallResponse recall = engram.recall(tenant, task, 5);
                    System.out.printf(
                            "[recall] %s: %d positives, %d negatives (adapter %s, %.1f ms)%n",
                            task,
                            recall.positives().size(),
                            recall.negatives().size(),
                            recall.adapterVersion(),
                            recall.tookMs());
                    feedback = Feedback.forRecall(recall);
                    followed = recall.positives().isEmpty()
                            ? null
                            : recall.positives().get(0);
                } catch (EngramApiException e) {
                    System.out.println("[recall] failed, acting without memory: " + e.getMessage());
                    feedback = Feedback.forTask(tenant, task);
                }

                // Act. A real agent prompts its LLM with the task and the recalled cases here.
                String plan = followed == null ? "handled it from scratch" : "did as before: " + followed.plan();
                double reward = followed == null ? 0.5 + 0.3 * random.nextDouble() : 0.7 + 0.3 * random.nextDouble();

                if (followed != null) {
                    feedback.useful(followed.caseId(), reward >= 0.8);
                }
                String eventId = engram.feedback(feedback.plan(plan)
                        .outcome(reward >= 0.8 ? "resolved" : "escalated")
                        .reward(reward)
                        .build());
                System.out.printf("[feedback] round %d: reward %.2f sent as %s%n", round, reward, eventId);
            }
        }
    }
}
