package dev.engram.retriever.ranking;

import dev.engram.retriever.ranking.internal.UnitVectors;
import dev.engram.retriever.selector.CaseSelector;
import dev.engram.retriever.selector.SelectorExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A tenant's case selector with the task vectors it was trained on: {@link SelectorBlend} trusts the
 * selector only as far as a new task is close to those.
 *
 * <pre>{@code
 * TrainedSelector trained = TrainedSelector.of("acme", selector, trainingExamples);
 * }</pre>
 *
 * @param tenant the tenant whose judgements trained the selector
 * @param model the selector's scoring
 * @param trainedTasks the task vectors of its training examples (duplicates are harmless), at least
 *     one; each scaled to unit length and copied
 */
public record TrainedSelector(String tenant, CaseUsefulness model, List<float[]> trainedTasks) {

    public TrainedSelector {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("trainedSelector.tenant is required and must not be blank");
        }
        Objects.requireNonNull(model, "trainedSelector.model is required");
        if (trainedTasks == null || trainedTasks.isEmpty()) {
            throw new IllegalArgumentException("trainedSelector.trainedTasks is required and must not be empty: "
                    + "a selector trained on no task is close to none");
        }
        List<float[]> units = new ArrayList<>(trainedTasks.size());
        for (int i = 0; i < trainedTasks.size(); i++) {
            float[] unit = UnitVectors.unit(trainedTasks.get(i), "trainedSelector.trainedTasks[" + i + "]");
            if (unit.length != trainedTasks.get(0).length) {
                throw new IllegalArgumentException("trainedSelector.trainedTasks must share one length: [0] has "
                        + trainedTasks.get(0).length + ", [" + i + "] has " + unit.length);
            }
            units.add(unit);
        }
        trainedTasks = List.copyOf(units);
    }

    /**
     * The tenant's case selector with the task vectors of the examples it was trained on.
     *
     * @param trainedOn the examples given to {@link CaseSelector#fit} and {@link CaseSelector#update}
     */
    public static TrainedSelector of(String tenant, CaseSelector selector, List<SelectorExample> trainedOn) {
        Objects.requireNonNull(selector, "selector is required");
        Objects.requireNonNull(trainedOn, "the selector's training examples are required");
        return new TrainedSelector(
                tenant,
                selector::usefulness,
                trainedOn.stream().map(SelectorExample::task).toList());
    }

    /** The unit task vectors (copies). */
    @Override
    public List<float[]> trainedTasks() {
        return trainedTasks.stream().map(float[]::clone).toList();
    }

    /**
     * How close a task is to what the selector was trained on: the largest cosine of {@code task} to
     * a trained task vector, in [−1, 1].
     */
    public double closeness(float[] task) {
        float[] unit = UnitVectors.unit(task, "task vector");
        if (unit.length != trainedTasks.get(0).length) {
            throw new IllegalArgumentException("task vector has length " + unit.length + ", the selector of tenant "
                    + tenant + " was trained on " + trainedTasks.get(0).length);
        }
        double best = -1;
        for (float[] t : trainedTasks) {
            best = Math.max(best, UnitVectors.dot(t, unit));
        }
        return best;
    }

    @Override
    public String toString() {
        return "TrainedSelector[tenant=" + tenant + ", " + trainedTasks.size() + " trained tasks]";
    }
}
