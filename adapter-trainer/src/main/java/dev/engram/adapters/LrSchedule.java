package dev.engram.adapters;

/** How the learning rate moves after a linear warm-up from 0. */
public enum LrSchedule {
    /** Stays at the peak. */
    CONSTANT,
    /** Falls linearly to 0 at the last step (Hugging Face's {@code linear}). */
    LINEAR,
    /** Half a cosine down to 0 at the last step (Hugging Face's {@code cosine}). */
    COSINE;

    /**
     * The factor on the peak learning rate for 0-based {@code step}, as Hugging Face's
     * {@code get_*_schedule_with_warmup}: {@code step / warmup} during warm-up, then the decay.
     */
    public double factor(long step, long warmupSteps, long totalSteps) {
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (this) {
            case CONSTANT -> 1;
            case LINEAR -> Math.max(0, 1 - progress);
            case COSINE -> Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
        };
    }
}
