/** Implementation detail of the LoRA core (safetensors, PEFT JSON, AdamW, QR); no API promise. */
package dev.engram.adapters.internal;
