package dev.engram.adapters;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a LoRA adapter looks like and which modules it wraps. Immutable; every field is checked
 * here, and the message names the field.
 *
 * <pre>{@code
 * LoraConfig config = LoraConfig.builder()
 *         .r(8).alpha(16).dropout(0.1)
 *         .targetModules(List.of("query", "value"))
 *         .baseModelName("sentence-transformers/all-MiniLM-L6-v2")
 *         .build();
 * }</pre>
 *
 * @param r rank, at least 1
 * @param alpha {@code lora_alpha}; the adapter's output is scaled by {@code alpha / r}, or by
 *     {@code alpha / √r} with {@code useRslora}
 * @param dropout dropout on the adapter's input while training, in [0, 1)
 * @param useRslora rank-stabilised scaling {@code alpha / √r}
 * @param useDora DoRA: a learned magnitude per output row times the normalised weight
 * @param init how {@code A} and {@code B} start
 * @param targetModules which modules to wrap, PEFT list semantics: a module path matches an entry
 *     when it equals it or ends with {@code "." + entry}; the single entry {@code "all-linear"}
 *     wraps every module given. Empty when {@code targetModulesRegex} is set.
 * @param targetModulesRegex PEFT's string form: a regular expression that must match the whole
 *     module path; {@code null} when {@code targetModules} is used
 * @param freezeA LoRA-FA: {@code A} keeps its initial value and only {@code B} trains
 * @param loraPlusRatio LoRA+ λ: {@code B}'s learning rate is λ × {@code A}'s; 1 switches it off
 * @param baseModelName {@code base_model_name_or_path}, written into the adapter file; may be null
 * @param taskType PEFT {@code task_type}, e.g. {@code FEATURE_EXTRACTION}; may be null
 */
public record LoraConfig(
        int r,
        double alpha,
        double dropout,
        boolean useRslora,
        boolean useDora,
        LoraInit init,
        List<String> targetModules,
        String targetModulesRegex,
        boolean freezeA,
        double loraPlusRatio,
        String baseModelName,
        String taskType) {

    /** PEFT's keyword for "every linear module". */
    public static final String ALL_LINEAR = "all-linear";

    public LoraConfig {
        if (r < 1) {
            throw new IllegalArgumentException("r must be at least 1, was " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be a positive finite number, was " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), was " + dropout);
        }
        Objects.requireNonNull(init, "init must not be null");
        targetModules = targetModules == null ? List.of() : List.copyOf(targetModules);
        if (targetModules.isEmpty() == (targetModulesRegex == null)) {
            throw new IllegalArgumentException(
                    "exactly one of targetModules (a list of names) and targetModulesRegex must be"
                            + " set; targetModules=" + targetModules + ", targetModulesRegex=" + targetModulesRegex);
        }
        for (String t : targetModules) {
            if (t.isBlank()) {
                throw new IllegalArgumentException("targetModules must not contain blank names: " + targetModules);
            }
        }
        if (targetModules.contains(ALL_LINEAR) && targetModules.size() > 1) {
            throw new IllegalArgumentException(
                    "targetModules: \"all-linear\" must be the only entry, was " + targetModules);
        }
        if (targetModulesRegex != null) {
            try {
                Pattern.compile(targetModulesRegex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        "targetModulesRegex is not a valid regular expression: " + e.getMessage(), e);
            }
        }
        if (!(loraPlusRatio >= 1) || Double.isInfinite(loraPlusRatio)) {
            throw new IllegalArgumentException(
                    "loraPlusRatio must be a finite number >= 1 (1 = LoRA+ off), was " + loraPlusRatio);
        }
    }

    /** The factor applied to the adapter's output: {@code alpha/r}, or {@code alpha/√r} (rsLoRA). */
    public double scaling() {
        return useRslora ? alpha / Math.sqrt(r) : alpha / r;
    }

    /** Whether a module at {@code path} is wrapped, with PEFT's matching rules. */
    public boolean targets(String path) {
        if (targetModulesRegex != null) {
            return Pattern.matches(targetModulesRegex, path);
        }
        if (targetModules.contains(ALL_LINEAR)) {
            return true;
        }
        for (String t : targetModules) {
            if (path.equals(t) || path.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    /** r 8, alpha 16, dropout 0.1, default init, on {@code query} and {@code value}. */
    public static LoraConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from {@link #defaults()}. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.r = r;
        b.alpha = alpha;
        b.dropout = dropout;
        b.useRslora = useRslora;
        b.useDora = useDora;
        b.init = init;
        b.targetModules = targetModules;
        b.targetModulesRegex = targetModulesRegex;
        b.freezeA = freezeA;
        b.loraPlusRatio = loraPlusRatio;
        b.baseModelName = baseModelName;
        b.taskType = taskType;
        return b;
    }

    /** Builder for {@link LoraConfig}; unset fields keep the values of {@link #defaults()}. */
    public static final class Builder {
        private int r = 8;
        private double alpha = 16;
        private double dropout = 0.1;
        private boolean useRslora;
        private boolean useDora;
        private LoraInit init = LoraInit.DEFAULT;
        private List<String> targetModules = List.of("query", "value");
        private String targetModulesRegex;
        private boolean freezeA;
        private double loraPlusRatio = 1;
        private String baseModelName;
        private String taskType = "FEATURE_EXTRACTION";

        private Builder() {}

        public Builder r(int r) {
            this.r = r;
            return this;
        }

        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        public Builder dropout(double dropout) {
            this.dropout = dropout;
            return this;
        }

        public Builder useRslora(boolean useRslora) {
            this.useRslora = useRslora;
            return this;
        }

        public Builder useDora(boolean useDora) {
            this.useDora = useDora;
            return this;
        }

        public Builder init(LoraInit init) {
            this.init = init;
            return this;
        }
        /** PEFT list semantics; clears any regex. */
        public Builder targetModules(List<String> names) {
            this.targetModules = names;
            this.targetModulesRegex = null;
            return this;
        }
        /** PEFT string semantics (full match); clears the list. */
        public Builder targetModulesRegex(String regex) {
            this.targetModulesRegex = regex;
            this.targetModules = List.of();
            return this;
        }

        public Builder freezeA(boolean freezeA) {
            this.freezeA = freezeA;
            return this;
        }

        public Builder loraPlusRatio(double ratio) {
            this.loraPlusRatio = ratio;
            return this;
        }

        public Builder baseModelName(String name) {
            this.baseModelName = name;
            return this;
        }

        public Builder taskType(String taskType) {
            this.taskType = taskType;
            return this;
        }

        public LoraConfig build() {
            return new LoraConfig(
                    r,
                    alpha,
                    dropout,
                    useRslora,
                    useDora,
                    init,
                    targetModules,
                    targetModulesRegex,
                    freezeA,
                    loraPlusRatio,
                    baseModelName,
                    taskType);
        }
    }
}
