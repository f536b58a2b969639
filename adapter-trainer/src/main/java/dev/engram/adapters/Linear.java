package dev.engram.adapters;

import ai.djl.ndarray.NDArray;

/**
 * A linear map {@code y = x Wᵀ + b} over the last axis of {@code x}. Models (e.g. the BERT
 * encoder) call their projections through this interface so that a LoRA layer can stand in for
 * a frozen one without the model knowing.
 */
public interface Linear {

    /** Applies the map to {@code x} of shape [..., inFeatures]; returns [..., outFeatures]. */
    NDArray forward(NDArray x);

    long inFeatures();

    long outFeatures();
}
