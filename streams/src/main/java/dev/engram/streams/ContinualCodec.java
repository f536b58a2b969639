package dev.engram.streams;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.streams.internal.ChunkJson;
import dev.engram.streams.internal.ChunkedAdapterJson;

/**
 * JSON (UTF-8) of the continual loop's records: {@link TrainingJob}, {@link AgentModelJob}, {@link AdapterPublished},
 * {@link AdapterControl}, {@link TrainingProgress} and {@link CaseVector}. Field names are the record component names;
 * instants are ISO-8601 strings, {@link AdapterMethod} its wire name, file bytes base64.
 *
 * <pre>{@code
 * byte[] json = ContinualCodec.encode(job);
 * TrainingJob back = ContinualCodec.decodeTrainingJob(json);
 * }</pre>
 *
 * <p>These are the single, complete documents. On Kafka, large jobs and adapters are cut into
 * chunks: publish with {@link TrainingJobPublisher} / {@link AdapterPublisher} and read with
 * {@link TrainingJobAssembler} / {@link AdapterAssembler}, not with these methods alone.
 *
 * <p>Decoding follows {@link EventCodec}'s rules: unknown fields are ignored, types are never
 * coerced ({@code "r": "8"} is rejected), a newer {@code schemaVersion} is reported as such, and
 * every problem is an {@link InvalidEventException} whose message starts with the field's JSON
 * path, e.g. {@code "examples[3].positive: is required"} or {@code "config.r: must be in [1, 256], was 0"}.
 */
public final class ContinualCodec {

    private ContinualCodec() {}

    /** A training job as one JSON document (of any size: the publisher chunks it when needed). */
    public static byte[] encode(TrainingJob job) {
        return ChunkJson.write(job);
    }

    /**
     * A complete training job from its JSON.
     *
     * @throws InvalidEventException naming the field; for the header of a chunked job, field
     *     {@code chunkCount}
     */
    public static TrainingJob decodeTrainingJob(byte[] json) {
        JsonNode tree = ChunkJson.parse(json);
        ChunkJson.checkSchemaVersion(tree, TrainingJob.SCHEMA_VERSION);
        if (tree.has("chunkCount")) {
            throw new InvalidEventException(
                    "chunkCount",
                    "this is the header of a chunked training job (" + tree.get("chunkCount")
                            + " chunks): read the topic with TrainingJobAssembler");
        }
        if (isAgentModelJob(tree)) {
            throw new InvalidEventException(
                    "kind",
                    "this is an agent-model job (kind '" + AdapterKind.AGENT_MODEL
                            + "'): read it with decodeAgentModelJob");
        }
        return ChunkJson.read(tree, TrainingJob.class);
    }

    /** An agent-model round's job as one JSON document (the publisher chunks it when needed). */
    public static byte[] encode(AgentModelJob job) {
        return ChunkJson.write(job);
    }

    /**
     * A complete agent-model job from its JSON.
     *
     * @throws InvalidEventException naming the field; for a chunked header, field {@code chunkCount}
     */
    public static AgentModelJob decodeAgentModelJob(byte[] json) {
        JsonNode tree = ChunkJson.parse(json);
        if (tree.has("chunkCount")) {
            throw new InvalidEventException(
                    "chunkCount",
                    "this is the header of a chunked job (" + tree.get("chunkCount")
                            + " chunks): read the topic with TrainingJobAssembler");
        }
        return agentModelJob(tree);
    }

    /** Whether a job document on {@link Topics#TRAINING_JOBS} is an agent-model round's (its {@code kind}). */
    static boolean isAgentModelJob(JsonNode tree) {
        return tree.has("kind");
    }

    static AgentModelJob agentModelJob(JsonNode tree) {
        ChunkJson.checkSchemaVersion(tree, AgentModelJob.SCHEMA_VERSION);
        return ChunkJson.read(tree, AgentModelJob.class);
    }

    /** An adapter as one complete JSON document with its files inline (base64). */
    public static byte[] encode(AdapterPublished adapter) {
        return ChunkJson.write(adapter);
    }

    /**
     * A complete adapter from its JSON; its checksum is verified against its files.
     *
     * @throws InvalidEventException naming the field; for a chunked header, field {@code chunkCount}
     */
    public static AdapterPublished decodeAdapterPublished(byte[] json) {
        return ChunkedAdapterJson.fromTree(ChunkJson.parse(json), null);
    }

    /** An operator control as JSON. */
    public static byte[] encode(AdapterControl control) {
        return ChunkJson.write(control);
    }

    /** An operator control from its JSON. */
    public static AdapterControl decodeAdapterControl(byte[] json) {
        JsonNode tree = ChunkJson.parse(json);
        ChunkJson.checkSchemaVersion(tree, AdapterControl.SCHEMA_VERSION);
        return ChunkJson.read(tree, AdapterControl.class);
    }

    /** A progress report as JSON. */
    public static byte[] encode(TrainingProgress progress) {
        return ChunkJson.write(progress);
    }

    /** A progress report from its JSON. */
    public static TrainingProgress decodeTrainingProgress(byte[] json) {
        JsonNode tree = ChunkJson.parse(json);
        ChunkJson.checkSchemaVersion(tree, TrainingProgress.SCHEMA_VERSION);
        return ChunkJson.read(tree, TrainingProgress.class);
    }

    /** A case's vector as JSON (its values base64, float32 little-endian). */
    public static byte[] encode(CaseVector vector) {
        return ChunkJson.write(vector);
    }

    /** A case's vector from its JSON, every value checked finite. */
    public static CaseVector decodeCaseVector(byte[] json) {
        JsonNode tree = ChunkJson.parse(json);
        ChunkJson.checkSchemaVersion(tree, CaseVector.SCHEMA_VERSION);
        return ChunkJson.read(tree, CaseVector.class);
    }
}
