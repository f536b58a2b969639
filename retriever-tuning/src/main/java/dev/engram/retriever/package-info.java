/**
 * Engram retriever-tuning: the text encoder and retriever tuning.
 *
 * <p>{@link dev.engram.retriever.TextEncoder} loads a BERT-family encoder (all-MiniLM-L6-v2 by
 * default) from the ONNX file and {@code tokenizer.json} that a Maven artifact ships, runs it on
 * DJL's PyTorch engine, and implements {@link dev.engram.memory.Embedder}.
 * {@link dev.engram.retriever.BertEncoder} is the model itself, with every projection behind a
 * {@link dev.engram.adapters.Linear} keyed by its Hugging Face module path so that LoRA adapters
 * can be attached to it, and a differentiable forward pass for training.
 */
package dev.engram.retriever;
