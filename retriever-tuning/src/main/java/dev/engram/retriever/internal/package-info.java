/**
 * Detail behind the encoder API, with no compatibility promise: the hand-written ONNX initializer
 * reader, the mapping from an exported BERT graph to Hugging Face parameter names, and batch
 * planning. No other module imports this package.
 */
package dev.engram.retriever.internal;
