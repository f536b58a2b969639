package dev.engram.agentmodel;

/**
 * Llama 3's rotary frequency scaling ({@code rope_scaling} with {@code rope_type: "llama3"}), as
 * Hugging Face's {@code _compute_llama3_parameters} applies it: wavelengths shorter than
 * {@code originalMaxPositions / highFreqFactor} keep their frequency, longer than
 * {@code originalMaxPositions / lowFreqFactor} are divided by {@code factor}, and the band between
 * is interpolated.
 *
 * @param factor divisor of the low frequencies, &gt; 0
 * @param lowFreqFactor &gt; 0
 * @param highFreqFactor &gt; lowFreqFactor
 * @param originalMaxPositions {@code original_max_position_embeddings}, &gt; 0
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    public RopeScaling {
        if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
            throw new IllegalArgumentException(
                    "rope_scaling needs factor > 0 and high_freq_factor > low_freq_factor > 0,"
                            + " was factor=" + factor + ", low_freq_factor=" + lowFreqFactor + ", high_freq_factor="
                            + highFreqFactor);
        }
        if (originalMaxPositions < 1) {
            throw new IllegalArgumentException(
                    "rope_scaling.original_max_position_embeddings must be positive, was " + originalMaxPositions);
        }
    }

    /** The scaled inverse frequency of one rotary pair. */
    public double scale(double invFreq) {
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen < highFreqWavelen) {
            return invFreq;
        }
        if (wavelen > lowFreqWavelen) {
            return invFreq / factor;
        }
        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * invFreq / factor + smooth * invFreq;
    }
}
