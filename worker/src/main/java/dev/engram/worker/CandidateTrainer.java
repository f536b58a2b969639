package dev.engram.worker;

import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraInit;
import dev.engram.adapters.NoGradScope;
import dev.engram.memory.Embedder;
import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.CaseText;
import dev.engram.retriever.tuning.Continuation;
import dev.engram.retriever.tuning.ContrastiveTrainer;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.retriever.tuning.TrainingExample;
import dev.engram.retriever.tuning.TuningConfig;
import dev.engram.retriever.tuning.TuningMode;
import dev.engram.retriever.tuning.TuningRound;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.PublishedAdapters;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingProgress;
import dev.engram.streams.TrainingProgress.Phase;
import dev.engram.streams.TrustedWorkerKeys;
import dev.engram.worker.internal.DocumentVectorCache;
import dev.engram.worker.internal.RankingEvaluation;
import dev.engram.worker.internal.RankingEvaluation.DocumentVectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The real {@link JobRunner}: trains a LoRA candidate with the {@link ContrastiveTrainer} from the
 * job's examples (continuing from the parent adapter when the job names one, as the job's
 * {@link Continuation} says, read back from
 * {@code engram.adapters} and used only when a trusted worker key signed it: a worker never trains
 * on, and then signs, weights someone else slipped onto the topic), then scores candidate and parent by nDCG@10 on the job's held-out and
 * retention queries. When the trained adapter does not beat the base encoder on the held-out queries
 * (or the job's method is {@code policy-only}), the result carries no adapter and the version is the
 * job's ranker policy alone. Encoders are loaded once per maximum length and kept; the device is DJL's
 * choice ({@code auto}: a GPU when the engine sees one). One job at a time per JVM.
 */
public final class CandidateTrainer implements JobRunner, AutoCloseable {

    private final KafkaConnection kafka;
    private final Clock clock;
    private final TrustedWorkerKeys parentSigners;
    private final Map<Integer, TextEncoder> encoders = new HashMap<>();
    private final Map<Integer, DocumentVectorCache> documentVectors = new HashMap<>();

    /** Base document vectors kept between jobs, per maximum length (about 1.5 KB each for MiniLM). */
    static final int MAX_CACHED_DOCUMENTS = 20_000;

    /**
     * A trainer that trusts no parent: jobs that continue from a published version fail, saying so.
     *
     * @param bootstrapServers where to read parent adapters from
     */
    public CandidateTrainer(String bootstrapServers, Clock clock) {
        this(bootstrapServers, clock, TrustedWorkerKeys.none());
    }

    /**
     * @param bootstrapServers where to read parent adapters from
     * @param parentSigners the worker keys whose versions may be parents (this worker's own and its
     *     peers', as the nodes trust them)
     */
    public CandidateTrainer(String bootstrapServers, Clock clock, TrustedWorkerKeys parentSigners) {
        this(KafkaConnection.of(bootstrapServers), clock, parentSigners);
    }

    /**
     * @param kafka where to read parent adapters from, with its client properties (SASL, SSL)
     * @param parentSigners the worker keys whose versions may be parents (this worker's own and its
     *     peers', as the nodes trust them)
     */
    public CandidateTrainer(KafkaConnection kafka, Clock clock, TrustedWorkerKeys parentSigners) {
        this.kafka = java.util.Objects.requireNonNull(kafka, "kafka");
        this.clock = clock;
        this.parentSigners = java.util.Objects.requireNonNull(parentSigners, "parentSigners");
    }

    /** The encoder for this maximum length, loaded on first use. */
    public synchronized TextEncoder encoder(int maxLength) {
        return encoders.computeIfAbsent(
                maxLength,
                n -> TextEncoder.load(
                        EncoderConfig.custom().maxLength(n).device("auto").build()));
    }

    private synchronized DocumentVectorCache documentVectors(int maxLength) {
        return documentVectors.computeIfAbsent(maxLength, n -> new DocumentVectorCache(MAX_CACHED_DOCUMENTS));
    }

    @Override
    public JobResult run(TrainingJob job, Consumer<TrainingProgress> progress) throws IOException {
        LoraTrainingConfig c = job.config();
        TextEncoder encoder = encoder(c.maxLength());
        TuningConfig tuning = tuningConfig(job);
        progress.accept(
                TrainingProgress.of(job, Phase.STARTING, 0, 0, null, 0, null, "on " + device(), clock.instant()));
        List<TrainingExample> examples = examples(job);
        // Query-side: the document tower is the frozen base, so its vectors are shared by every job.
        DocumentVectorCache cache =
                job.method() == AdapterMethod.LORA_SYMMETRIC ? null : documentVectors(c.maxLength());
        ContrastiveTrainer trainer = new ContrastiveTrainer(encoder, tuning);
        if (cache != null) {
            long t = System.nanoTime();
            int embedded = embedMissing(job, examples, encoder, cache);
            progress.accept(TrainingProgress.of(
                    job,
                    Phase.STARTING,
                    0,
                    0,
                    null,
                    0,
                    null,
                    String.format(
                            java.util.Locale.ROOT,
                            "embedded %d new case texts in %.1f s, %d known from earlier jobs",
                            embedded,
                            (System.nanoTime() - t) / 1e9,
                            cache.size() - embedded),
                    clock.instant()));
            Map<String, String> textById = new HashMap<>();
            examples.forEach(e -> {
                textById.put(e.positive().caseId(), e.positive().text());
                e.hardNegatives().forEach(n -> textById.put(n.caseId(), n.text()));
            });
            trainer = trainer.withBaseCaseVectors(id -> cache.get(textById.get(id)));
        }
        Path dir = Files.createTempDirectory("engram-job-");
        TenantAdapter parent = null;
        try {
            if (job.baseAdapterVersion() != null) {
                parent = loadParent(job, tuning, encoder, dir.resolve("parent"));
            }
            Embedder before = parent == null ? encoder : parent.embedder(encoder);
            if (!job.method().hasAdapter()) {
                progress.accept(TrainingProgress.of(
                        job, Phase.EVALUATING, 0, 0, null, 0, null, "policy only: no adapter", clock.instant()));
                return JobResult.policyOnly(metrics(job, before, encoder, null, cache, null));
            }
            long began = System.nanoTime();
            TuningRound round = trainer.train(job.tenant(), examples, List.of(), parent, p -> {
                if (!"training".equals(p.phase())) {
                    return;
                }
                double seconds = Math.max(1e-9, (System.nanoTime() - began) / 1e9);
                double perSecond = p.step() * (double) c.batchSize() / seconds;
                Double loss = Double.isFinite(p.loss()) ? p.loss() : null;
                Double eta = p.eta() == null ? null : p.eta().toMillis() / 1000.0;
                progress.accept(TrainingProgress.of(
                        job, Phase.TRAINING, p.step(), p.totalSteps(), loss, perSecond, eta, "", clock.instant()));
            });
            try (TenantAdapter candidate = round.adapter()) {
                progress.accept(TrainingProgress.of(
                        job,
                        Phase.EVALUATING,
                        round.steps(),
                        round.steps(),
                        null,
                        0,
                        null,
                        job.heldOut().size() + " held-out, " + job.retention().size() + " retention queries",
                        clock.instant()));
                Embedder after = candidate.embedder(encoder);
                AdapterMetrics metrics = metrics(job, before, after, round, cache, null);
                double base = parent == null
                        ? metrics.parentHeldOutNdcg10()
                        : RankingEvaluation.meanNdcg10(encoder, new DocumentVectors(encoder, cache), job.heldOut());
                if (!keepsAdapter(metrics.heldOutNdcg10(), base) && job.rankerPolicy() != null) {
                    // The adapter does not beat its absence: the version is the round's policy alone.
                    return JobResult.policyOnly(metrics(job, before, encoder, round, cache, metrics.heldOutNdcg10()));
                }
                Path out = dir.resolve("candidate");
                candidate.save(out);
                return new JobResult(metrics, files(out));
            }
        } finally {
            if (parent != null) {
                parent.close();
            }
            deleteTree(dir);
        }
    }

    /** {@code gpu} when DJL sees one, else {@code cpu}. */
    public static String device() {
        return ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() > 0 ? "gpu" : "cpu";
    }

    /** Embeds, with the frozen base, every case text of the job that {@code cache} lacks; returns how many. */
    private static int embedMissing(
            TrainingJob job, List<TrainingExample> examples, TextEncoder encoder, DocumentVectorCache cache) {
        java.util.Set<String> texts = new java.util.LinkedHashSet<>();
        examples.forEach(e -> {
            texts.add(e.positive().text());
            e.hardNegatives().forEach(n -> texts.add(n.text()));
        });
        Stream.concat(job.heldOut().stream(), job.retention().stream())
                .forEach(q -> q.candidates().forEach(candidate -> texts.add(candidate.text())));
        List<String> missing =
                new ArrayList<>(texts.stream().filter(t -> cache.get(t) == null).toList());
        // longest first keeps the padding of each embedding batch small
        missing.sort(Comparator.comparingInt(String::length).reversed());
        TextEncoder base = encoder.withoutAdapter();
        try (NoGradScope ignored = NoGradScope.enter()) {
            for (int from = 0; from < missing.size(); from += 64) {
                List<String> chunk = missing.subList(from, Math.min(missing.size(), from + 64));
                List<float[]> vectors = base.embedDocuments(chunk);
                for (int i = 0; i < chunk.size(); i++) {
                    cache.put(chunk.get(i), vectors.get(i));
                }
            }
        }
        return missing.size();
    }

    /**
     * Whether a trained adapter is worth publishing: its held-out nDCG@10 is above the base
     * encoder's on the same queries. Otherwise the round publishes its ranker policy alone.
     */
    static boolean keepsAdapter(double adapterHeldOut, double baseHeldOut) {
        return adapterHeldOut > baseHeldOut;
    }

    /**
     * @param round the training round, null when nothing was trained
     * @param droppedAdapter the held-out nDCG@10 of a trained adapter the version leaves out, or null
     */
    private AdapterMetrics metrics(
            TrainingJob job,
            Embedder before,
            Embedder after,
            TuningRound round,
            DocumentVectorCache cache,
            Double droppedAdapter) {
        // Query-side: candidate and parent share the frozen document tower, so each text is embedded once.
        DocumentVectors afterDocs = new DocumentVectors(after, cache);
        DocumentVectors beforeDocs =
                job.method() == AdapterMethod.LORA_SYMMETRIC ? new DocumentVectors(before) : afterDocs;
        double held = RankingEvaluation.meanNdcg10(after, afterDocs, job.heldOut());
        double parentHeld = RankingEvaluation.meanNdcg10(before, beforeDocs, job.heldOut());
        boolean retention = !job.retention().isEmpty();
        Double ret = retention ? RankingEvaluation.meanNdcg10(after, afterDocs, job.retention()) : null;
        Double parentRet = retention ? RankingEvaluation.meanNdcg10(before, beforeDocs, job.retention()) : null;
        Map<String, Double> extra = new LinkedHashMap<>();
        if (droppedAdapter != null) {
            extra.put("adapterHeldOutNdcg10", droppedAdapter);
        }
        if (round == null) {
            extra.values().removeIf(v -> !Double.isFinite(v));
            return new AdapterMetrics(
                    held,
                    parentHeld,
                    job.heldOut().size(),
                    ret,
                    parentRet,
                    job.retention().size(),
                    extra);
        }
        extra.put("steps", (double) round.steps());
        extra.put("trainingSeconds", round.elapsed().toMillis() / 1000.0);
        extra.put("examples", (double) round.newExamples());
        if (!round.losses().isEmpty()) {
            extra.put("firstLoss", round.losses().get(0));
            extra.put("lastLoss", round.losses().get(round.losses().size() - 1));
        }
        extra.values().removeIf(v -> !Double.isFinite(v));
        return new AdapterMetrics(
                held,
                parentHeld,
                job.heldOut().size(),
                ret,
                parentRet,
                job.retention().size(),
                extra);
    }

    private TenantAdapter loadParent(TrainingJob job, TuningConfig tuning, TextEncoder encoder, Path dir)
            throws IOException {
        // The last record of that version that a trusted worker signed: a later forged one is passed over.
        AdapterPublished parent = PublishedAdapters.last(
                        kafka,
                        a -> a.adapterName().equals(job.adapterName())
                                && a.version() == job.baseAdapterVersion()
                                && a.tenant().equals(job.tenant())
                                && AdapterSignature.verify(a, parentSigners).trusted(),
                        Duration.ofSeconds(60))
                .orElseThrow(() -> new IllegalStateException("parent " + job.adapterName() + " v"
                        + job.baseAdapterVersion() + " of job " + job.jobId() + " is not on engram.adapters signed by "
                        + "a trusted worker key for tenant " + job.tenant() + " (trusted: " + parentSigners.ids()
                        + ")"));
        if (!parent.method().hasAdapter()) {
            // A policy-only parent ranks over the base encoder: the round starts from the base.
            return null;
        }
        Files.createDirectories(dir);
        for (AdapterFile f : parent.files()) {
            Files.write(dir.resolve(f.name()), f.bytes());
        }
        return TenantAdapter.load(
                dir,
                job.tenant(),
                tuning.mode(),
                tuning.instruction(),
                (int) Math.min(Integer.MAX_VALUE, parent.version()),
                encoder);
    }

    /**
     * The retriever's tuning settings for a job's LoRA settings. The job's examples already hold
     * what its continuation trains on (the node's {@code TrainingJobBuilder} puts all older
     * feedback in for {@link Continuation#RETRAIN_FROM_BASE}, a replay sample otherwise), so the
     * trainer adds no replay of its own.
     */
    static TuningConfig tuningConfig(TrainingJob job) {
        LoraTrainingConfig c = job.config();
        return TuningConfig.builder()
                .mode(job.method() == AdapterMethod.LORA_SYMMETRIC ? TuningMode.SYMMETRIC : TuningMode.QUERY_SIDE)
                .lora(loraConfig(job))
                .epochs(c.epochs())
                .batchSize(c.batchSize())
                .learningRate(c.learningRate())
                .trainingMaxLength(c.maxLength())
                .seed(c.seed())
                .continuation(continuation(c.continuation()))
                .replayFraction(0)
                .build();
    }

    /** The retriever's strategy of a wire one: the same constant. */
    static Continuation continuation(LoraTrainingConfig.Continuation wire) {
        return Continuation.valueOf(wire.name());
    }

    /**
     * The adapter's shape as the job asks for it: every field of the wire config (the init by its
     * constant name), and the job's base model as {@code baseModelName}.
     */
    static LoraConfig loraConfig(TrainingJob job) {
        LoraTrainingConfig c = job.config();
        LoraConfig.Builder lora = LoraConfig.builder()
                .r(c.r())
                .alpha(c.alpha())
                .dropout(c.dropout())
                .useRslora(c.useRslora())
                .useDora(c.useDora())
                .init(LoraInit.valueOf(c.init().name()))
                .freezeA(c.freezeA())
                .loraPlusRatio(c.loraPlusRatio())
                .taskType(c.taskType())
                .baseModelName(job.baseModelId());
        return (c.targetModulesRegex() == null
                        ? lora.targetModules(c.targetModules())
                        : lora.targetModulesRegex(c.targetModulesRegex()))
                .build();
    }

    /** The job's examples with case ids derived from the texts (a text is one case). */
    static List<TrainingExample> examples(TrainingJob job) {
        List<TrainingExample> out = new ArrayList<>(job.examples().size());
        for (dev.engram.streams.TrainingExample e : job.examples()) {
            CaseText positive = caseText(e.positive());
            List<CaseText> negatives = e.hardNegatives().stream()
                    .map(CandidateTrainer::caseText)
                    .filter(n -> !n.caseId().equals(positive.caseId()))
                    .toList();
            out.add(new TrainingExample(e.query(), positive, negatives));
        }
        return out;
    }

    private static CaseText caseText(String text) {
        return new CaseText("t-" + UUID.nameUUIDFromBytes(text.getBytes(StandardCharsets.UTF_8)), text);
    }

    private static List<AdapterFile> files(Path dir) throws IOException {
        List<AdapterFile> files = new ArrayList<>();
        try (Stream<Path> paths = Files.list(dir)) {
            for (Path p : paths.filter(Files::isRegularFile).sorted().toList()) {
                files.add(new AdapterFile(p.getFileName().toString(), Files.readAllBytes(p)));
            }
        }
        return files;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    @Override
    public synchronized void close() {
        encoders.values().forEach(TextEncoder::close);
        encoders.clear();
    }
}
