package dev.engram.tools.cli;

import dev.engram.streams.TrainingProgress;
import dev.engram.streams.TrustedWorkerKeys;
import dev.engram.tools.LocalEngram;
import dev.engram.tools.internal.ProgressBar;
import dev.engram.worker.AgentModelSettings;
import dev.engram.worker.AgentModelTrainer;
import dev.engram.worker.CandidateTrainer;
import dev.engram.worker.TrainingWorker;
import dev.engram.worker.WorkerConfig;
import dev.engram.worker.WorkerKey;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code engram worker}: runs training jobs from Kafka until the process is stopped. */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        header = "Run a training worker that trains, scores and publishes LoRA candidates.",
        description = {
            "Run a training worker: take jobs from engram.training-jobs (group engram-workers), train a LoRA",
            "candidate on the GPU when DJL sees one (else the CPU), score it against its parent on the job's",
            "held-out and retention queries, and publish it on engram.adapters, signed with the worker's key",
            "(DIR/worker/worker-key.pub: give it to the nodes' --trusted-workers); failing jobs go to",
            "engram.dead-letters after --attempts attempts. Shows a progress bar per job.",
            "With --agent-model DIR it runs the agent-model rounds nodes ask for (engram serve --agent-model-rounds N)",
            "instead, in group engram-agent-model-workers: each round trains a LoRA for that Llama-family model on the",
            "tenant's successful episodes, on from the serving version, gates it on held-out plans' loss and publishes",
            "it as engram agent-model --publish does. Each group passes over the other kind's jobs."
        })
final class WorkerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT[,HOST:PORT]",
            description = "Kafka cluster; default: the broker of the node running on --data.")
    String bootstrap;

    @Option(
            names = "--data",
            defaultValue = ".engram",
            paramLabel = "DIR",
            description = {
                "Data directory: the worker's signing key is in DIR/worker (made on first start), and",
                "without --bootstrap a local node running on DIR gives the broker (default: ${DEFAULT-VALUE})."
            })
    Path data;

    @Option(
            names = "--trusted-workers",
            paramLabel = "FILE",
            description = {
                "Worker keys whose published versions this worker may continue training from (a parent), as the",
                "nodes' --trusted-workers file or directory; its own key is always trusted."
            })
    Path trustedWorkers;

    @Option(names = "--worker-id", paramLabel = "ID", description = "Names this worker (default: worker-<pid>).")
    String workerId;

    @Option(
            names = "--group",
            paramLabel = "ID",
            description = "Consumer group (default: " + WorkerConfig.DEFAULT_GROUP + ", with --agent-model "
                    + WorkerConfig.AGENT_MODEL_GROUP + ").")
    String group;

    @Option(
            names = "--agent-model",
            paramLabel = "DIR",
            description = "Run agent-model rounds for this Hugging Face model folder (model_type llama) instead of"
                    + " retriever jobs.")
    Path agentModel;

    @Option(
            names = "--steps",
            defaultValue = "200",
            description = "With --agent-model: optimiser steps per round (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(
            names = "--lr",
            defaultValue = "2e-4",
            description = "With --agent-model: peak learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(
            names = "--batch",
            defaultValue = "8",
            description = "With --agent-model: examples per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--r",
            defaultValue = "8",
            description = "With --agent-model: LoRA rank (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(
            names = "--alpha",
            defaultValue = "16",
            description = "With --agent-model: lora_alpha (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(
            names = "--targets",
            split = ",",
            defaultValue = "q_proj,k_proj,v_proj,o_proj",
            description = "With --agent-model: target modules (default: ${DEFAULT-VALUE}; all-linear adds the MLP).")
    List<String> targets;

    @Option(
            names = "--held-out",
            defaultValue = "0.2",
            description = "With --agent-model: share of a round's episodes held out for the gate (default:"
                    + " ${DEFAULT-VALUE}).")
    double heldOut;

    @Option(
            names = "--attempts",
            defaultValue = "3",
            paramLabel = "N",
            description = "Attempts at a job before it is dead-lettered (default: ${DEFAULT-VALUE}).")
    int attempts;

    @Option(
            names = "--job-timeout",
            defaultValue = "PT30M",
            paramLabel = "DURATION",
            description = "Time limit per attempt, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration jobTimeout;

    @Option(
            names = "--session-timeout",
            defaultValue = "PT15S",
            paramLabel = "DURATION",
            description = {
                "How long the group waits for a worker that stopped heartbeating (killed, frozen) before",
                "its jobs go to another worker, ISO-8601; the broker allows PT6S..PT30M (default: ${DEFAULT-VALUE})."
            })
    Duration sessionTimeout;

    @Mixin
    KafkaPropertiesOption kafkaProperties;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String servers = bootstrap != null
                ? bootstrap
                : NodeInfo.read(data)
                        .map(NodeInfo::bootstrapServers)
                        .orElseThrow(
                                () -> new IllegalArgumentException("no --bootstrap and no running node in " + data));
        String groupId = group != null
                ? group
                : agentModel != null ? WorkerConfig.AGENT_MODEL_GROUP : WorkerConfig.DEFAULT_GROUP;
        WorkerConfig config = WorkerConfig.defaults(servers)
                .withGroupId(groupId)
                .withWorkerId(
                        workerId == null ? "worker-" + ProcessHandle.current().pid() : workerId)
                .withAttempts(attempts, Duration.ofSeconds(2))
                .withJobTimeout(jobTimeout)
                .withSessionTimeout(sessionTimeout)
                .withKafkaProperties(kafkaProperties.properties())
                .withKeyDir(LocalEngram.workerKeyDir(data));
        WorkerKey key = WorkerKey.loadOrCreate(config.keyDir());
        TrustedWorkerKeys parents = (trustedWorkers == null
                        ? TrustedWorkerKeys.none()
                        : TrustedWorkerKeys.load(trustedWorkers))
                .with(key.publicKey());
        if (agentModel != null) {
            return runAgentModel(out, config, key, parents);
        }
        CandidateTrainer trainer = new CandidateTrainer(config.kafka(), Clock.systemUTC(), parents);
        TrainingWorker worker = TrainingWorker.start(config, trainer, new Bars(out));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            worker.close();
                            trainer.close();
                            stopped.countDown();
                        },
                        "engram-worker-shutdown"));
        out.println("engram worker ready: " + config.workerId() + " on " + CandidateTrainer.device() + ", group "
                + groupId + ", kafka " + config.kafka().describe() + ", signing key " + key.id() + " in "
                + key.publicKeyFile().toAbsolutePath().normalize());
        out.println("  nodes serve its candidates once that worker-key.pub is in their --trusted-workers");
        out.flush();
        stopped.await();
        return 0;
    }

    private int runAgentModel(PrintWriter out, WorkerConfig config, WorkerKey key, TrustedWorkerKeys parents)
            throws Exception {
        AgentModelSettings settings = AgentModelSettings.defaults(agentModel)
                .withTraining(steps, learningRate, rank, alpha, targets)
                .withSplit(batch, heldOut);
        AgentModelTrainer trainer = new AgentModelTrainer(settings, config.kafka(), Clock.systemUTC(), parents);
        TrainingWorker worker = TrainingWorker.startAgentModel(config, trainer, new Bars(out), Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            worker.close();
                            trainer.close();
                            stopped.countDown();
                        },
                        "engram-worker-shutdown"));
        out.println("engram agent-model worker ready: " + config.workerId() + ", " + trainer.describe() + ", group "
                + config.groupId() + ", kafka " + config.kafka().describe() + ", signing key " + key.id() + " in "
                + key.publicKeyFile().toAbsolutePath().normalize());
        out.println("  runtimes receive its promoted adapters once that worker-key.pub is among their trusted workers");
        out.flush();
        stopped.await();
        return 0;
    }

    /** One progress bar per job, one line per phase change. */
    private static final class Bars implements Consumer<TrainingProgress> {
        private final PrintWriter out;
        private ProgressBar bar;
        private String jobId;

        Bars(PrintWriter out) {
            this.out = out;
        }

        @Override
        public synchronized void accept(TrainingProgress p) {
            switch (p.phase()) {
                case TRAINING -> {
                    if (bar == null || !p.jobId().equals(jobId)) {
                        jobId = p.jobId();
                        bar = new ProgressBar(
                                out, "job " + p.jobId() + " train", p.totalSteps(), System.console() != null);
                    }
                    bar.update(p.step());
                }
                default -> {
                    if (bar != null) {
                        bar.finish(p.step() > 0 ? p.step() : 0, "");
                        bar = null;
                    }
                    out.println("job " + p.jobId() + " (attempt " + p.attempt() + ") " + p.phase()
                            + (p.detail().isEmpty() ? "" : ": " + p.detail()));
                    out.flush();
                }
            }
        }
    }
}
