package dev.engram.adapters.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.adapters.InvalidAdapterException;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code adapter_config.json} with Hugging Face PEFT's field names for a LoRA adapter. */
public final class PeftAdapterConfig {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PeftAdapterConfig() {}

    /** PEFT's JSON for {@code config}; {@code r} and {@code alpha} as given (they may differ from the config's after folding). */
    public static byte[] toJson(LoraConfig config, int r, double alpha, Object initLoraWeights) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("alpha_pattern");
        n.putNull("auto_mapping");
        putNullable(n, "base_model_name_or_path", config.baseModelName());
        n.put("bias", "none");
        n.put("fan_in_fan_out", false);
        n.put("inference_mode", true);
        if (initLoraWeights instanceof Boolean flag) {
            n.put("init_lora_weights", flag);
        } else {
            n.put("init_lora_weights", String.valueOf(initLoraWeights));
        }
        n.putNull("layers_pattern");
        n.putNull("layers_to_transform");
        if (alpha == Math.rint(alpha) && Math.abs(alpha) < 1e15) {
            n.put("lora_alpha", (long) alpha);
        } else {
            n.put("lora_alpha", alpha);
        }
        n.put("lora_dropout", config.dropout());
        n.putNull("modules_to_save");
        n.put("peft_type", "LORA");
        n.put("r", r);
        n.putObject("rank_pattern");
        n.putNull("revision");
        if (config.targetModulesRegex() != null) {
            n.put("target_modules", config.targetModulesRegex());
        } else if (config.targetModules().equals(List.of(LoraConfig.ALL_LINEAR))) {
            n.put("target_modules", LoraConfig.ALL_LINEAR);
        } else {
            ArrayNode t = n.putArray("target_modules");
            config.targetModules().forEach(t::add);
        }
        putNullable(n, "task_type", config.taskType());
        n.put("use_dora", config.useDora());
        n.put("use_rslora", config.useRslora());
        return JSON.writeValueAsBytes(n);
    }

    private static void putNullable(ObjectNode n, String field, String value) {
        if (value == null) {
            n.putNull(field);
        } else {
            n.put(field, value);
        }
    }

    /**
     * Reads a PEFT LoRA config. Training-only settings that PEFT does not record (LoRA-FA, LoRA+)
     * come back off. Anything this library cannot apply exactly is rejected.
     */
    public static LoraConfig read(Path file) throws InvalidAdapterException {
        JsonNode n;
        try {
            n = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new InvalidAdapterException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidAdapterException(file, "cannot read: " + e, e);
        }
        if (n == null || !n.isObject()) {
            throw new InvalidAdapterException(file, "not a JSON object");
        }
        String peftType = n.path("peft_type").asText("");
        if (!peftType.equals("LORA")) {
            throw new InvalidAdapterException(file, "peft_type is '" + peftType + "', only LORA is supported");
        }
        require(file, n, "r", n.path("r").canConvertToInt() && n.path("r").asInt() >= 1, "a positive integer");
        require(file, n, "lora_alpha", n.path("lora_alpha").isNumber(), "a number");
        String bias = n.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new InvalidAdapterException(file, "bias is '" + bias + "'; only \"none\" is supported");
        }
        if (n.path("fan_in_fan_out").asBoolean(false)) {
            throw new InvalidAdapterException(file, "fan_in_fan_out=true is not supported");
        }
        if (nonEmpty(n.get("modules_to_save"))) {
            throw new InvalidAdapterException(
                    file,
                    "modules_to_save " + n.get("modules_to_save")
                            + " is not supported (the adapter would replace whole modules)");
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            if (nonEmpty(n.get(pattern))) {
                throw new InvalidAdapterException(file, pattern + " " + n.get(pattern) + " is not supported");
            }
        }
        if (nonEmpty(n.get("layers_to_transform"))) {
            throw new InvalidAdapterException(file, "layers_to_transform is not supported");
        }
        JsonNode init = n.path("init_lora_weights");
        if (!(init.isMissingNode()
                || init.isNull()
                || init.isBoolean()
                || init.asText().equalsIgnoreCase("gaussian"))) {
            throw new InvalidAdapterException(
                    file,
                    "init_lora_weights is " + init + ": the adapter was saved"
                            + " against a changed base (OLoRA/PiSSA/…); save it with PEFT's"
                            + " path_initial_model_for_weight_conversion (or from Engram) to get a plain LoRA");
        }
        JsonNode targets = n.path("target_modules");
        LoraConfig.Builder b = LoraConfig.builder()
                .r(n.path("r").asInt())
                .alpha(n.path("lora_alpha").asDouble())
                .dropout(n.path("lora_dropout").asDouble(0))
                .useRslora(n.path("use_rslora").asBoolean(false))
                .useDora(n.path("use_dora").asBoolean(false))
                .init(init.isTextual() ? LoraInit.GAUSSIAN : LoraInit.DEFAULT)
                .baseModelName(
                        n.path("base_model_name_or_path").isTextual()
                                ? n.path("base_model_name_or_path").asText()
                                : null)
                .taskType(n.path("task_type").isTextual() ? n.path("task_type").asText() : null);
        if (targets.isTextual()) {
            if (targets.asText().equals(LoraConfig.ALL_LINEAR)) {
                b.targetModules(List.of(LoraConfig.ALL_LINEAR));
            } else {
                b.targetModulesRegex(targets.asText());
            }
        } else if (targets.isArray() && targets.size() > 0) {
            List<String> names = new ArrayList<>();
            targets.forEach(t -> names.add(t.asText()));
            b.targetModules(names);
        } else {
            throw new InvalidAdapterException(
                    file, "target_modules must be a non-empty list or a regex string, was " + targets);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidAdapterException(file, "invalid LoRA settings: " + e.getMessage(), e);
        }
    }

    private static void require(Path file, JsonNode n, String field, boolean ok, String what)
            throws InvalidAdapterException {
        if (!ok) {
            throw new InvalidAdapterException(file, field + " must be " + what + ", was " + n.get(field));
        }
    }

    private static boolean nonEmpty(JsonNode v) {
        return v != null && !v.isNull() && !(v.isContainerNode() && v.size() == 0);
    }
}
