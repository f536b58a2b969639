package dev.engram.streams;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.engram.streams.internal.ChunkChecks;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The LoRA adapter shape and training settings of a {@link TrainingJob}, carried again on the
 * {@link AdapterPublished} it produced. It mirrors every field of the adapter-trainer's
 * {@code LoraConfig} by name (that module is not a dependency of this one: enums travel as wire
 * names), except {@code baseModelName}, which is the job's {@link TrainingJob#baseModelId()}; the
 * rest are the retriever's {@code TuningConfig} settings. A test in the worker fails when
 * {@code LoraConfig} gains a field that has no counterpart here.
 *
 * <pre>{@code
 * LoraTrainingConfig config = LoraTrainingConfig.defaults();                 // r 8 on query/value
 * LoraTrainingConfig bigger = new LoraTrainingConfig(16, 32, 0.05, List.of("all-linear"),
 *     true, false, 1, 32, 2e-4, 7, 256);                                    // rsLoRA, variants off
 * LoraTrainingConfig variants = new LoraTrainingConfig(8, 16, 0.1, List.of("query", "value"),
 *     false, false, 4, 32, 5e-4, 42, 128,
 *     Init.OLORA, null, true, 16, LoraTrainingConfig.FEATURE_EXTRACTION);   // OLoRA, LoRA-FA, LoRA+ 16
 * }</pre>
 *
 * <p>On the wire the last six fields are optional: JSON written before they existed decodes with
 * their defaults ({@code "default"} init, no regex, no LoRA-FA, LoRA+ ratio 1,
 * {@value #FEATURE_EXTRACTION}) and with {@code "continue"}, the one way rounds continued then. The
 * constructors without a {@code continuation} take {@link Continuation#DEFAULT}.
 *
 * @param r LoRA rank, in [1, 256]
 * @param alpha {@code lora_alpha}, finite and > 0 (output scaled by alpha / r, or alpha / √r)
 * @param dropout adapter-input dropout while training, in [0, 1)
 * @param targetModules which modules to wrap, PEFT list semantics (a path matches an entry when it
 *     equals it or ends with "." + entry; {@code "all-linear"} alone wraps every linear layer);
 *     0 to 32 distinct names of {@code [A-Za-z0-9._-]}; empty exactly when
 *     {@code targetModulesRegex} is set
 * @param useRslora rank-stabilised scaling alpha / √r
 * @param useDora DoRA: a learned magnitude per output row
 * @param epochs passes over the job's examples, in [1, 100]
 * @param batchSize examples per step, in [2, 4096] (in-batch negatives need two)
 * @param learningRate peak learning rate, finite, in (0, 1]
 * @param seed seeds initialisation, example order and dropout, so a retried job trains the same way
 * @param maxLength word pieces per text while training, in [8, 8192]
 * @param init how the adapter's matrices start: {@link Init#DEFAULT}, {@link Init#GAUSSIAN} or
 *     {@link Init#OLORA}
 * @param targetModulesRegex PEFT's string form of {@code target_modules}: a Java regular
 *     expression of 1 to {@value #MAX_REGEX_CHARS} characters that must match a whole module path;
 *     null when {@code targetModules} is used
 * @param freezeA LoRA-FA: {@code A} keeps its initial value and only {@code B} trains
 * @param loraPlusRatio LoRA+ λ, finite, in [1, {@value #MAX_LORA_PLUS_RATIO}]: {@code B}'s
 *     learning rate is λ × {@code A}'s; 1 switches it off
 * @param taskType PEFT's {@code task_type}, {@code [A-Z][A-Z0-9_]{0,63}}, e.g.
 *     {@value #FEATURE_EXTRACTION}
 * @param continuation how the round continues from the job's base adapter version (the
 *     retriever's {@code Continuation}, by constant name)
 */
public record LoraTrainingConfig(
        int r,
        double alpha,
        double dropout,
        List<String> targetModules,
        boolean useRslora,
        boolean useDora,
        int epochs,
        int batchSize,
        double learningRate,
        long seed,
        int maxLength,
        Init init,
        String targetModulesRegex,
        boolean freezeA,
        double loraPlusRatio,
        String taskType,
        Continuation continuation) {

    /** PEFT's task type for an encoder that produces embeddings: the default. */
    public static final String FEATURE_EXTRACTION = "FEATURE_EXTRACTION";

    /** Longest {@code targetModulesRegex}: 1,024 characters. */
    public static final int MAX_REGEX_CHARS = 1_024;

    /** Largest {@code loraPlusRatio}: 1,024. */
    public static final int MAX_LORA_PLUS_RATIO = 1_024;

    private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern TASK_TYPE = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");

    /**
     * How a fresh adapter's matrices start, on the wire as its {@link #wireName()}; the names of the
     * constants are those of the adapter-trainer's {@code LoraInit}. {@code B} starts at zero for
     * every choice, so a fresh adapter never changes the model's output.
     */
    public enum Init {
        /** {@code "default"}: Kaiming-uniform {@code A} (PEFT's {@code init_lora_weights=True}). */
        DEFAULT("default"),
        /** {@code "gaussian"}: {@code A ~ N(0, (1/r)²)} (PEFT's {@code "gaussian"}). */
        GAUSSIAN("gaussian"),
        /** {@code "olora"}: OLoRA, {@code B} and {@code A} from a QR decomposition of the base weight. */
        OLORA("olora");

        private final String wireName;

        Init(String wireName) {
            this.wireName = wireName;
        }

        /** The name in JSON, e.g. {@code "olora"}. */
        @JsonValue
        public String wireName() {
            return wireName;
        }

        /**
         * The init with this wire name.
         *
         * @throws InvalidEventException (field {@code init}) for any other name
         */
        @JsonCreator
        public static Init fromWireName(String wireName) {
            for (Init i : values()) {
                if (i.wireName.equals(wireName)) {
                    return i;
                }
            }
            throw new InvalidEventException(
                    "init",
                    "must be one of "
                            + Arrays.stream(values()).map(Init::wireName).toList() + ", was '" + wireName + "'");
        }

        @Override
        public String toString() {
            return wireName;
        }
    }

    /**
     * How a training round continues from the job's base adapter version, on the wire as its
     * {@link #wireName()}; the names of the constants are those of the retriever's
     * {@code Continuation}, which says what each does.
     */
    public enum Continuation {
        /** {@code "retrain-from-base"}: a fresh adapter from the base model on all the judged feedback so far. */
        RETRAIN_FROM_BASE("retrain-from-base"),
        /** {@code "continue"}: a copy of the base version trained further on the new examples and a replay sample. */
        CONTINUE("continue"),
        /** {@code "continue-low-lr"}: as {@code "continue"}, at a lower learning rate and half the epochs. */
        CONTINUE_LOW_LR("continue-low-lr"),
        /** {@code "periodic-merge"}: PeriodicLoRA, the base version folded in and a fresh adapter trained on top. */
        PERIODIC_MERGE("periodic-merge");

        /** What a job asks for unless told otherwise: the retriever's default strategy. */
        public static final Continuation DEFAULT = RETRAIN_FROM_BASE;

        /** What JSON without the field means: how every round continued before the strategies existed. */
        public static final Continuation BEFORE_THE_FIELD = CONTINUE;

        private final String wireName;

        Continuation(String wireName) {
            this.wireName = wireName;
        }

        /** The name in JSON, e.g. {@code "retrain-from-base"}. */
        @JsonValue
        public String wireName() {
            return wireName;
        }

        /**
         * The strategy with this wire name.
         *
         * @throws InvalidEventException (field {@code continuation}) for any other name
         */
        @JsonCreator
        public static Continuation fromWireName(String wireName) {
            for (Continuation c : values()) {
                if (c.wireName.equals(wireName)) {
                    return c;
                }
            }
            throw new InvalidEventException(
                    "continuation",
                    "must be one of "
                            + Arrays.stream(values())
                                    .map(Continuation::wireName)
                                    .toList() + ", was '" + wireName
                            + "'");
        }

        @Override
        public String toString() {
            return wireName;
        }
    }

    public LoraTrainingConfig {
        if (r < 1 || r > 256) {
            throw new InvalidEventException("r", "must be in [1, 256], was " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new InvalidEventException("alpha", "must be a finite number > 0, was " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InvalidEventException("dropout", "must be in [0, 1), was " + dropout);
        }
        targetModules = checkTargetModules(targetModules, targetModulesRegex);
        if (epochs < 1 || epochs > 100) {
            throw new InvalidEventException("epochs", "must be in [1, 100], was " + epochs);
        }
        if (batchSize < 2 || batchSize > 4096) {
            throw new InvalidEventException("batchSize", "must be in [2, 4096], was " + batchSize);
        }
        if (!(learningRate > 0 && learningRate <= 1)) {
            throw new InvalidEventException("learningRate", "must be in (0, 1], was " + learningRate);
        }
        if (maxLength < 8 || maxLength > 8192) {
            throw new InvalidEventException("maxLength", "must be in [8, 8192], was " + maxLength);
        }
        ChunkChecks.requireNonNull("init", init);
        ChunkChecks.requireNonNull("continuation", continuation);
        if (continuation == Continuation.PERIODIC_MERGE && useDora) {
            throw new InvalidEventException(
                    "continuation", "periodic-merge cannot be used with useDora (a DoRA adapter cannot be restarted)");
        }
        ChunkChecks.finiteIn("loraPlusRatio", loraPlusRatio, 1, MAX_LORA_PLUS_RATIO);
        ChunkChecks.requireMatch(
                "taskType",
                taskType,
                TASK_TYPE,
                "a PEFT task type of [A-Z][A-Z0-9_]{0,63}, e.g. '" + FEATURE_EXTRACTION + "'");
    }

    /**
     * Plain LoRA (or rsLoRA / DoRA) on named modules: the variants at their defaults (init
     * {@link Init#DEFAULT}, no LoRA-FA, LoRA+ off, {@value #FEATURE_EXTRACTION}).
     */
    public LoraTrainingConfig(
            int r,
            double alpha,
            double dropout,
            List<String> targetModules,
            boolean useRslora,
            boolean useDora,
            int epochs,
            int batchSize,
            double learningRate,
            long seed,
            int maxLength) {
        this(
                r,
                alpha,
                dropout,
                targetModules,
                useRslora,
                useDora,
                epochs,
                batchSize,
                learningRate,
                seed,
                maxLength,
                Init.DEFAULT,
                null,
                false,
                1,
                FEATURE_EXTRACTION,
                Continuation.DEFAULT);
    }

    /** LoRA with its variants, continuing as {@link Continuation#DEFAULT}. */
    public LoraTrainingConfig(
            int r,
            double alpha,
            double dropout,
            List<String> targetModules,
            boolean useRslora,
            boolean useDora,
            int epochs,
            int batchSize,
            double learningRate,
            long seed,
            int maxLength,
            Init init,
            String targetModulesRegex,
            boolean freezeA,
            double loraPlusRatio,
            String taskType) {
        this(
                r,
                alpha,
                dropout,
                targetModules,
                useRslora,
                useDora,
                epochs,
                batchSize,
                learningRate,
                seed,
                maxLength,
                init,
                targetModulesRegex,
                freezeA,
                loraPlusRatio,
                taskType,
                Continuation.DEFAULT);
    }

    /** These settings, continuing as {@code v}. */
    public LoraTrainingConfig withContinuation(Continuation v) {
        return new LoraTrainingConfig(
                r,
                alpha,
                dropout,
                targetModules,
                useRslora,
                useDora,
                epochs,
                batchSize,
                learningRate,
                seed,
                maxLength,
                init,
                targetModulesRegex,
                freezeA,
                loraPlusRatio,
                taskType,
                v);
    }

    /**
     * The settings measured on Cranfield: r 8, alpha 16, dropout 0.1 on {@code query} and
     * {@code value}, no rsLoRA/DoRA, 4 epochs of batch 32 at 5e-4, seed 42, 128 word pieces; the
     * variants off; rounds continue as {@link Continuation#DEFAULT}.
     */
    public static LoraTrainingConfig defaults() {
        return new LoraTrainingConfig(8, 16, 0.1, List.of("query", "value"), false, false, 4, 32, 5e-4, 42, 128);
    }

    /**
     * Reads the JSON: the variant fields and {@code continuation} may be absent (or null), as in JSON
     * written before they existed, and then take their defaults ({@code continuation}:
     * {@link Continuation#BEFORE_THE_FIELD}); every other field is required.
     */
    @JsonCreator
    static LoraTrainingConfig fromJson(
            @JsonProperty("r") int r,
            @JsonProperty("alpha") double alpha,
            @JsonProperty("dropout") double dropout,
            @JsonProperty("targetModules") List<String> targetModules,
            @JsonProperty("useRslora") boolean useRslora,
            @JsonProperty("useDora") boolean useDora,
            @JsonProperty("epochs") int epochs,
            @JsonProperty("batchSize") int batchSize,
            @JsonProperty("learningRate") double learningRate,
            @JsonProperty("seed") long seed,
            @JsonProperty("maxLength") int maxLength,
            @JsonProperty("init") Init init,
            @JsonProperty("targetModulesRegex") String targetModulesRegex,
            @JsonProperty("freezeA") Boolean freezeA,
            @JsonProperty("loraPlusRatio") Double loraPlusRatio,
            @JsonProperty("taskType") String taskType,
            @JsonProperty("continuation") Continuation continuation) {
        return new LoraTrainingConfig(
                r,
                alpha,
                dropout,
                targetModules,
                useRslora,
                useDora,
                epochs,
                batchSize,
                learningRate,
                seed,
                maxLength,
                init == null ? Init.DEFAULT : init,
                targetModulesRegex,
                freezeA != null && freezeA,
                loraPlusRatio == null ? 1 : loraPlusRatio,
                taskType == null ? FEATURE_EXTRACTION : taskType,
                continuation == null ? Continuation.BEFORE_THE_FIELD : continuation);
    }

    private static List<String> checkTargetModules(List<String> targetModules, String regex) {
        List<String> modules = ChunkChecks.list("targetModules", targetModules, 0, 32);
        for (int i = 0; i < modules.size(); i++) {
            ChunkChecks.requireMatch(
                    "targetModules[" + i + "]",
                    modules.get(i),
                    MODULE,
                    "a module name of 1-128 [A-Za-z0-9._-], e.g. 'query'");
        }
        if (new HashSet<>(modules).size() != modules.size()) {
            throw new InvalidEventException("targetModules", "must not name a module twice, was " + modules);
        }
        if (modules.contains("all-linear") && modules.size() > 1) {
            throw new InvalidEventException("targetModules", "\"all-linear\" must be the only entry, was " + modules);
        }
        if (regex == null) {
            if (modules.isEmpty()) {
                throw new InvalidEventException(
                        "targetModules", "needs at least 1 entry, or set targetModulesRegex instead");
            }
            return modules;
        }
        if (!modules.isEmpty()) {
            throw new InvalidEventException(
                    "targetModulesRegex",
                    "must be null when targetModules is set (PEFT takes " + "a list or a regex, not both), was '"
                            + regex + "' with targetModules " + modules);
        }
        if (regex.isEmpty() || regex.length() > MAX_REGEX_CHARS) {
            throw new InvalidEventException(
                    "targetModulesRegex", "must have 1-" + MAX_REGEX_CHARS + " characters, had " + regex.length());
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new InvalidEventException(
                    "targetModulesRegex",
                    "is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex() + " of '"
                            + regex + "'",
                    e);
        }
        return modules;
    }
}
