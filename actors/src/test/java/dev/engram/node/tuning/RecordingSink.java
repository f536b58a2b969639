package dev.engram.node.tuning;

import dev.engram.streams.TrainingJob;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link JobSink} that keeps the jobs, as the training-jobs topic would. */
final class RecordingSink implements JobSink {

    final List<TrainingJob> jobs = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<Void> send(TrainingJob job) {
        jobs.add(job);
        return CompletableFuture.completedFuture(null);
    }

    TrainingJob last() {
        return jobs.get(jobs.size() - 1);
    }
}
