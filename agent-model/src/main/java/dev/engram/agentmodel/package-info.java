/**
 * The agents' own small model and its LoRA adapters.
 *
 * <ul>
 *   <li>{@link dev.engram.agentmodel.LlamaModel}: a Llama-family decoder (RMSNorm, rotary position
 *       embeddings, grouped-query attention, SwiGLU) on DJL's PyTorch engine, loaded from a Hugging
 *       Face folder ({@code config.json}, {@code *.safetensors}) the user brings; nothing is
 *       downloaded. {@link dev.engram.agentmodel.AgentTokenizer} reads the folder's
 *       {@code tokenizer.json}.
 *   <li>{@link dev.engram.agentmodel.EpisodeExamples}: supervised examples (prompt = task and the
 *       positive cases recalled for it, target = the plan) from a tenant's successful episodes.
 *   <li>{@link dev.engram.agentmodel.AgentAdapterTrainer}: LoRA training of the model with the
 *       adapter-trainer core, saved in PEFT layout.
 *   <li>{@link dev.engram.agentmodel.PlanLossGate}: candidate against serving on held-out plans'
 *       per-token loss, with a paired test.
 * </ul>
 *
 * <p>Detail lives in {@code dev.engram.agentmodel.internal}, which carries no promise.
 */
package dev.engram.agentmodel;
