package dev.engram.worker;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.engram.agentmodel.AgentAdapterPublication;
import dev.engram.agentmodel.AgentModelRound;
import dev.engram.agentmodel.AgentTokenizer;
import dev.engram.agentmodel.CaseTexts;
import dev.engram.agentmodel.LlamaModel;
import dev.engram.agentmodel.RoundConfig;
import dev.engram.agentmodel.RoundReport;
import dev.engram.streams.AdapterFolder;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AgentModelJob;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.PublishedAdapters;
import dev.engram.streams.TrainingProgress;
import dev.engram.streams.TrustedWorkerKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The {@link AgentModelRunner} of a worker that has the agents' model: loads the Llama-family
 * folder once (on the GPU when DJL sees one), and for each job runs an {@link AgentModelRound} on
 * the job's episodes, gated against and trained on from the job's serving version (read from
 * {@code engram.adapters}, used only when a trusted worker key signed it), and returns the candidate
 * as {@code engram agent-model --publish} makes it ({@link AgentAdapterPublication}).
 *
 * <pre>{@code
 * try (AgentModelTrainer trainer = new AgentModelTrainer(AgentModelSettings.defaults(dir), kafka, clock, parents);
 *      TrainingWorker worker = TrainingWorker.startAgentModel(config, trainer, p -> {})) { ... }
 * }</pre>
 */
public final class AgentModelTrainer implements AgentModelRunner, AutoCloseable {

    private final AgentModelSettings settings;
    private final KafkaConnection kafka;
    private final Clock clock;
    private final TrustedWorkerKeys parentSigners;
    private final NDManager manager;
    private final LlamaModel model;
    private final AgentTokenizer tokenizer;
    private final Path work;

    /**
     * Loads the model.
     *
     * @param parentSigners the worker keys whose versions a round may start from
     * @throws IOException when the folder is not a supported model (the message names the file and field)
     */
    public AgentModelTrainer(
            AgentModelSettings settings, KafkaConnection kafka, Clock clock, TrustedWorkerKeys parentSigners)
            throws IOException {
        if (settings.batchSize() < 2) {
            throw new IllegalArgumentException("a worker publishes every round, and a published adapter's config takes"
                    + " batches of 2 or more: batch size " + settings.batchSize() + " is too small");
        }
        this.settings = settings;
        this.kafka = kafka;
        this.clock = clock;
        this.parentSigners = parentSigners;
        Device device = Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            this.model = LlamaModel.load(settings.modelDir(), manager);
            this.tokenizer = AgentTokenizer.load(settings.modelDir());
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
        this.work = Files.createTempDirectory("engram-agent-model-");
    }

    /** The model this worker trains adapters for, e.g. for its start-up line. */
    public String describe() {
        return model + " on " + manager.getDevice();
    }

    @Override
    public AdapterPublished run(AgentModelJob job, Consumer<TrainingProgress> progress) throws IOException {
        Path dir = Files.createTempDirectory(work, job.jobId() + "-");
        try {
            Path serving = job.baseAdapterVersion() == null ? null : parent(job, dir.resolve("serving"));
            RoundConfig config = settings.roundConfig(job.minReward(), true);
            Map<String, String> texts = new HashMap<>();
            job.usefulCases().forEach(c -> texts.put(c.caseId(), c.text()));
            CaseTexts cases =
                    (tenant, id) -> tenant.equals(job.tenant()) ? Optional.ofNullable(texts.get(id)) : Optional.empty();
            RoundReport report = new AgentModelRound(
                            model,
                            tokenizer,
                            config,
                            manager,
                            p -> progress.accept(new TrainingProgress(
                                    TrainingProgress.SCHEMA_VERSION,
                                    job.jobId(),
                                    job.tenant(),
                                    job.attempt(),
                                    TrainingProgress.Phase.TRAINING,
                                    p.step(),
                                    p.totalSteps(),
                                    Double.isFinite(p.loss()) ? p.loss() : null,
                                    Double.isFinite(p.examplesPerSecond()) ? p.examplesPerSecond() : 0,
                                    p.eta() == null ? null : p.eta().toMillis() / 1000.0,
                                    "",
                                    clock.instant())))
                    .run(job.tenant(), job.episodes(), cases, serving, dir.resolve("candidate"));
            return AgentAdapterPublication.candidate(
                    job.adapterName(),
                    job.tenant(),
                    job.targetVersion(),
                    job.baseAdapterVersion(),
                    config,
                    report,
                    job.jobId(),
                    clock.instant());
        } finally {
            deleteTree(dir);
        }
    }

    /** The serving version's PEFT folder: the last record of it that a trusted worker signed. */
    private Path parent(AgentModelJob job, Path dir) throws IOException {
        AdapterPublished parent = PublishedAdapters.last(
                        kafka,
                        a -> a.kind() == AdapterKind.AGENT_MODEL
                                && a.adapterName().equals(job.adapterName())
                                && a.version() == job.baseAdapterVersion()
                                && a.tenant().equals(job.tenant())
                                && AdapterSignature.verify(a, parentSigners).trusted(),
                        Duration.ofSeconds(60))
                .orElseThrow(() -> new IllegalStateException("serving version " + job.adapterName() + " v"
                        + job.baseAdapterVersion() + " of job " + job.jobId() + " is not on engram.adapters signed by "
                        + "a trusted worker key for tenant " + job.tenant() + " (trusted: " + parentSigners.ids()
                        + ")"));
        return AdapterFolder.write(parent, dir);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder left behind is not worth failing a published round for
        }
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
        manager.close();
        deleteTree(work);
    }
}
