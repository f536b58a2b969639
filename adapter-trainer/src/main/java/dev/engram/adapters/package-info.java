/**
 * Engram's LoRA core on DJL (PyTorch engine).
 *
 * <ul>
 *   <li>{@link dev.engram.adapters.Linear} / {@link dev.engram.adapters.FrozenLinear}: the projection
 *       contract models call, and a pretrained layer that never trains.
 *   <li>{@link dev.engram.adapters.LoraConfig}, {@link dev.engram.adapters.LoraModel},
 *       {@link dev.engram.adapters.LoraLinear}: LoRA, rsLoRA, DoRA, OLoRA, LoRA-FA, LoRA+ over a
 *       map of frozen layers keyed by Hugging Face module path; merge/unmerge; PeriodicLoRA
 *       stages; PEFT-compatible save and load.
 *   <li>{@link dev.engram.adapters.AdapterTrainer}: the training loop any loss can use.
 *   <li>{@link dev.engram.adapters.AdapterFiles}: file names and the payload checksum.
 * </ul>
 *
 * <p>Detail lives in {@code dev.engram.adapters.internal}, which carries no promise.
 */
package dev.engram.adapters;
