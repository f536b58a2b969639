package dev.engram.bench;

import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.CaseText;
import dev.engram.retriever.tuning.ContrastiveTrainer;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.retriever.tuning.TrainingExample;
import dev.engram.retriever.tuning.TuningConfig;
import dev.engram.retriever.tuning.TuningRound;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingProgress;
import dev.engram.worker.CandidateTrainer;
import dev.engram.worker.JobResult;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The worker side of {@link RoundBench}, in its own JVM: reads a training job from a file and runs
 * it as a worker does ({@code worker}: {@link CandidateTrainer}, which embeds the job's case texts,
 * trains and scores the candidate on the held-out queries, with the tuning defaults), or trains the
 * same examples with the bare {@link ContrastiveTrainer} ({@code trainer}, the baseline) at the
 * given query word pieces per pass (0: the whole batch in one pass, as before passes existed). Prints a {@code MARK} line as each
 * phase ends (the phase, epoch ms, VmHWM and VmRSS in KiB, peak heap in bytes) for the parent.
 *
 * <p>Args: {@code worker|trainer JOB_FILE [QUERY_TOKENS_PER_PASS]}.
 */
public final class RoundBenchWorker {

    private RoundBenchWorker() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        mark("start-jvm");
        TrainingJob job = ContinualCodec.decodeTrainingJob(Files.readAllBytes(Path.of(args[1])));
        int tokensPerPass = args.length > 2
                ? Integer.parseInt(args[2])
                : TuningConfig.defaults().queryTokensPerPass();
        mark("read-job");
        if (mode.equals("worker")) {
            CandidateTrainer trainer = new CandidateTrainer("localhost:1", Clock.systemUTC());
            trainer.encoder(job.config().maxLength());
            mark("load-encoder");
            JobResult result = trainer.run(job, p -> {
                if (p.phase() == TrainingProgress.Phase.STARTING && p.detail().startsWith("embedded")) {
                    mark("embed-cases");
                } else if (p.phase() == TrainingProgress.Phase.EVALUATING && p.step() > 0) {
                    mark("train");
                }
            });
            mark("evaluate");
            System.out.printf(
                    Locale.ROOT,
                    "RESULT held-out nDCG@10 %.4f (base %.4f), %d files%n",
                    result.metrics().heldOutNdcg10(),
                    result.metrics().parentHeldOutNdcg10(),
                    result.files().size());
            trainer.close();
        } else {
            LoraTrainingConfig c = job.config();
            try (TextEncoder encoder = TextEncoder.load(
                    EncoderConfig.custom().maxLength(c.maxLength()).build())) {
                mark("load-encoder");
                TuningConfig tuning = TuningConfig.builder()
                        .epochs(c.epochs())
                        .batchSize(c.batchSize())
                        .learningRate(c.learningRate())
                        .trainingMaxLength(c.maxLength())
                        .seed(c.seed())
                        .replayFraction(0)
                        .queryTokensPerPass(tokensPerPass)
                        .lora(dev.engram.adapters.LoraConfig.builder()
                                .r(c.r())
                                .alpha(c.alpha())
                                .dropout(c.dropout())
                                .targetModules(c.targetModules())
                                .build())
                        .build();
                List<TrainingExample> examples = new ArrayList<>();
                int id = 0;
                java.util.Map<String, String> ids = new java.util.HashMap<>();
                for (dev.engram.streams.TrainingExample e : job.examples()) {
                    List<CaseText> negatives = new ArrayList<>();
                    for (String n : e.hardNegatives()) {
                        negatives.add(new CaseText(ids.computeIfAbsent(n, t -> "c" + ids.size()), n));
                    }
                    examples.add(new TrainingExample(
                            e.query(),
                            new CaseText(ids.computeIfAbsent(e.positive(), t -> "c" + ids.size()), e.positive()),
                            negatives));
                    id++;
                }
                TuningRound round = new ContrastiveTrainer(encoder, tuning)
                        .train(job.tenant(), examples, List.of(), null, p -> {
                            if (p.phase().equals("embedding cases") && p.step() == p.totalSteps()) {
                                mark("embed-cases");
                            }
                        });
                mark("train");
                try (TenantAdapter adapter = round.adapter()) {
                    System.out.printf(
                            Locale.ROOT,
                            "RESULT %d examples, %d steps, last loss %.4f%n",
                            id,
                            round.steps(),
                            round.losses().get(round.losses().size() - 1));
                }
            }
        }
    }

    static void mark(String name) {
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heap += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf(
                Locale.ROOT,
                "MARK %s %d %d %d %d%n",
                name,
                System.currentTimeMillis(),
                RoundBench.procStatusKib("self", "VmHWM"),
                RoundBench.procStatusKib("self", "VmRSS"),
                heap);
        System.out.flush();
    }
}
