package dev.engram.tools.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.TrainingConfig;
import dev.engram.agentmodel.AgentAdapterPublication;
import dev.engram.agentmodel.AgentAdapterTrainer;
import dev.engram.agentmodel.AgentModelRound;
import dev.engram.agentmodel.AgentTokenizer;
import dev.engram.agentmodel.CaseTexts;
import dev.engram.agentmodel.ExampleConfig;
import dev.engram.agentmodel.ExampleSet;
import dev.engram.agentmodel.LlamaModel;
import dev.engram.agentmodel.PlanLossGate;
import dev.engram.agentmodel.RoundConfig;
import dev.engram.agentmodel.RoundReport;
import dev.engram.memory.Case;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.PublishedAdapters;
import dev.engram.streams.Topics;
import dev.engram.tools.LocalEngram;
import dev.engram.tools.internal.ProgressBar;
import dev.engram.worker.WorkerKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code engram agent-model train}: a LoRA adapter for your own Llama-family model from feedback. */
@Command(
        name = "agent-model",
        mixinStandardHelpOptions = true,
        header = "Train a gated LoRA adapter for your own Llama-family model from a tenant's successful episodes.",
        description = {
            "Reads feedback events (JSON lines, the engram.feedback format) and a Hugging Face model folder",
            "(config.json, *.safetensors in F32/F16/BF16, tokenizer.json; model_type llama). The tenant's episodes with",
            "reward >= --min-reward become examples (prompt: the task and the recalled cases the agent judged useful;",
            "target: the plan), split by episode id into training and held-out; a LoRA adapter is trained on the first",
            "and gated on the second: its per-token loss on the held-out plans against the serving adapter's",
            "(--serving) or the base model's, with a paired test. The adapter is written to --out in PEFT layout",
            "(adapter_config.json, adapter_model.safetensors) for vLLM, LoRAX or PEFT. Exit status 0 when the gate",
            "promotes it, 3 when it rejects it. With --publish NAME it also goes onto engram.adapters, signed, as an",
            "agent-model adapter with the gate's verdict (nodes list it; EngramClient.onAdapter writes it for runtimes)."
        })
final class AgentModelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The Hugging Face model folder.")
    Path model;

    @Option(
            names = "--feedback",
            required = true,
            paramLabel = "FILE",
            description = "Feedback events, one JSON object per line; recalled cases are looked up among them.")
    Path feedback;

    @Option(names = "--tenant", required = true, paramLabel = "T", description = "Whose episodes to train on.")
    String tenant;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the adapter is written.")
    Path out;

    @Option(
            names = "--serving",
            paramLabel = "DIR",
            description = "The PEFT adapter that serves now (the gate's other side); default: the base model.")
    Path serving;

    @Option(
            names = "--continue",
            description = "Train on from the --serving adapter (its rank, alpha and targets) instead of a fresh one.")
    boolean continueFromServing;

    @Option(
            names = "--base-name",
            paramLabel = "NAME",
            description = "base_model_name_or_path in adapter_config.json (default: the model folder's name).")
    String baseName;

    @Option(
            names = "--min-reward",
            defaultValue = "0.8",
            description = "Successful from this reward (default: ${DEFAULT-VALUE}).")
    double minReward;

    @Option(
            names = "--held-out",
            defaultValue = "0.2",
            description = "Share of episodes held out (default: ${DEFAULT-VALUE}).")
    double heldOut;

    @Option(names = "--steps", defaultValue = "200", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--lr", defaultValue = "2e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--batch", defaultValue = "8", description = "Examples per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--r", defaultValue = "8", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--alpha", defaultValue = "16", description = "lora_alpha (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(
            names = "--targets",
            split = ",",
            defaultValue = "q_proj,k_proj,v_proj,o_proj",
            description = "Target modules (default: ${DEFAULT-VALUE}; all-linear adds the MLP).")
    List<String> targets;

    @Option(names = "--max-prompt-tokens", defaultValue = "384", description = "Default: ${DEFAULT-VALUE}.")
    int maxPromptTokens;

    @Option(names = "--max-plan-tokens", defaultValue = "128", description = "Default: ${DEFAULT-VALUE}.")
    int maxPlanTokens;

    @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--publish",
            paramLabel = "NAME",
            description = {
                "Also publish the adapter on engram.adapters as agent-model adapter NAME (its next version),",
                "signed with the worker key in --data/worker, with the gate's verdict: runtimes that trust",
                "that key receive it (EngramClient.onAdapter) when the gate promoted it."
            })
    String publish;

    @Option(
            names = "--parent-version",
            paramLabel = "N",
            description = "With --publish: the published version --serving is (the gate's other side).")
    Long parentVersion;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT[,HOST:PORT]",
            description = "With --publish: the Kafka cluster; default: the broker of the node running on --data.")
    String bootstrap;

    @Option(
            names = "--data",
            defaultValue = ".engram",
            paramLabel = "DIR",
            description = "With --publish: the data directory whose worker key signs (default: ${DEFAULT-VALUE}).")
    Path data;

    @Mixin
    KafkaPropertiesOption kafkaProperties;

    @Override
    public Integer call() throws IOException {
        if (publish == null && (parentVersion != null || bootstrap != null)) {
            throw new IllegalArgumentException("--parent-version and --bootstrap go with --publish NAME");
        }
        if (parentVersion != null && serving == null) {
            throw new IllegalArgumentException(
                    "--parent-version names the published version the gate compared against: give its folder"
                            + " with --serving DIR (engram adapters export NAME VERSION DIR writes it)");
        }
        if (continueFromServing && serving == null) {
            throw new IllegalArgumentException(
                    "--continue trains on from the serving adapter: give it with --serving DIR");
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        List<FeedbackEvent> events = readEvents(feedback);
        Map<String, String> texts = new HashMap<>();
        events.forEach(e -> texts.put(e.eventId(), Case.text(e.task(), e.plan(), e.outcome())));
        CaseTexts cases = (t, id) -> t.equals(tenant) ? Optional.ofNullable(texts.get(id)) : Optional.empty();
        LoraConfig lora =
                AgentAdapterTrainer.defaultLora(
                                baseName != null
                                        ? baseName
                                        : model.getFileName().toString())
                        .toBuilder()
                        .r(rank)
                        .alpha(alpha)
                        .targetModules(targets)
                        .build();
        RoundConfig config = new RoundConfig(
                ExampleConfig.builder()
                        .minReward(minReward)
                        .maxPromptTokens(maxPromptTokens)
                        .maxTargetTokens(maxPlanTokens)
                        .build(),
                lora,
                TrainingConfig.builder()
                        .learningRate(learningRate)
                        .totalSteps(steps)
                        .warmupSteps(Math.min(steps, Math.max(1, steps / 10)))
                        .batchSize(batch)
                        .seed(seed)
                        .build(),
                batch,
                heldOut,
                PlanLossGate.defaults(),
                continueFromServing);
        Device device = Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        try (NDManager manager = NDManager.newBaseManager(device, "PyTorch");
                LlamaModel llama = LlamaModel.load(model, manager);
                AgentTokenizer tokenizer = AgentTokenizer.load(model)) {
            err.printf(Locale.ROOT, "agent-model: %s on %s, %d feedback events%n", llama, device, events.size());
            ProgressBar bar = new ProgressBar(err, "train", steps, System.console() != null);
            double[] lastLoss = {Double.NaN};
            RoundReport r = new AgentModelRound(llama, tokenizer, config, manager, p -> {
                        lastLoss[0] = p.loss();
                        bar.update(p.step());
                    })
                    .run(tenant, events, cases, serving, out);
            bar.finish(steps, String.format(Locale.ROOT, "loss %.4f", lastLoss[0]));
            print(stdout, r);
            if (publish != null) {
                publish(stdout, config, r);
            }
            return r.verdict().promote() ? 0 : 3;
        }
    }

    private static void print(PrintWriter out, RoundReport r) {
        ExampleSet s = r.examples();
        out.printf(
                Locale.ROOT,
                "examples: %d (train %d, held out %d); left out: %d below the reward, %d without a plan,"
                        + " %d duplicates, %d other tenants; %d useful cases not found%n",
                s.examples().size(),
                r.trainExamples(),
                r.heldOutExamples(),
                s.belowReward(),
                s.withoutPlan(),
                s.duplicates(),
                s.otherTenant(),
                s.missingCases());
        out.printf(
                Locale.ROOT,
                "training: %d steps in %.1f s, loss %.4f -> %.4f%n",
                r.training().steps(),
                r.training().elapsed().toMillis() / 1000.0,
                r.training().firstLoss(),
                r.training().lastLoss());
        out.printf(
                Locale.ROOT,
                "held-out plan loss (nats/token): candidate %.4f, serving %.4f%n",
                r.verdict().candidateNll(),
                r.verdict().servingNll());
        out.println("gate: " + r.verdict().reason());
        out.println("adapter: " + r.adapterDir().toAbsolutePath());
        out.flush();
    }

    private void publish(PrintWriter out, RoundConfig config, RoundReport r) throws IOException {
        String servers = bootstrap != null
                ? bootstrap
                : NodeInfo.read(data)
                        .map(NodeInfo::bootstrapServers)
                        .orElseThrow(() -> new IllegalArgumentException(
                                "--publish needs Kafka: give --bootstrap, or run a node on --data " + data));
        KafkaConnection kafka = kafkaProperties.connection(servers);
        AtomicLong highest = new AtomicLong();
        PublishedAdapters.last(
                kafka,
                a -> {
                    if (a.adapterName().equals(publish)) {
                        highest.accumulateAndGet(a.version(), Math::max);
                    }
                    return false;
                },
                Duration.ofSeconds(60));
        long version = highest.get() + 1;
        WorkerKey key = WorkerKey.loadOrCreate(LocalEngram.workerKeyDir(data));
        AdapterPublished candidate = key.sign(AgentAdapterPublication.candidate(
                publish,
                tenant,
                version,
                parentVersion,
                config,
                r,
                publish + "-v" + version,
                Clock.systemUTC().instant()));
        try (AdapterPublisher publisher = AdapterPublisher.transactional(
                kafka, "engram-agent-model-" + ProcessHandle.current().pid())) {
            RecordMetadata at = publisher.publish(candidate);
            out.printf(
                    Locale.ROOT,
                    "published: %s v%d on %s (partition %d, offset %d), signed by %s; runtimes that trust %s get it"
                            + " when the gate promoted it%n",
                    publish,
                    version,
                    Topics.ADAPTERS,
                    at.partition(),
                    at.offset(),
                    key.id(),
                    key.dir().resolve(WorkerKey.PUBLIC_FILE));
            out.flush();
        }
    }

    private static List<FeedbackEvent> readEvents(Path file) throws IOException {
        List<FeedbackEvent> events = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                events.add(EventCodec.decodeFeedback(line.getBytes(StandardCharsets.UTF_8)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return events;
    }
}
