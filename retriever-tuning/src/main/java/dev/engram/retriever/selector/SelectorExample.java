package dev.engram.retriever.selector;

/**
 * One judged recall as the case selector learns it: the task's embedding, the case's embedding,
 * and whether the case helped.
 *
 * @param task the task (query-tower) embedding; copied
 * @param recalled the case (document-tower) embedding, same length as {@code task}; copied
 * @param useful the verdict
 */
public record SelectorExample(float[] task, float[] recalled, boolean useful) {

    public SelectorExample {
        if (task == null || task.length == 0) {
            throw new IllegalArgumentException("selectorExample.task is required and must not be empty");
        }
        if (recalled == null || recalled.length != task.length) {
            throw new IllegalArgumentException("selectorExample.recalled must have the task's length " + task.length
                    + ", had " + (recalled == null ? "null" : recalled.length));
        }
        task = task.clone();
        recalled = recalled.clone();
    }

    @Override
    public float[] task() {
        return task.clone();
    }

    @Override
    public float[] recalled() {
        return recalled.clone();
    }

    /** {@code [task ; recalled]}, the selector's input. */
    float[] features() {
        float[] x = new float[task.length * 2];
        System.arraycopy(task, 0, x, 0, task.length);
        System.arraycopy(recalled, 0, x, task.length, recalled.length);
        return x;
    }
}
