package dev.engram.agentmodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * The keys (after rotation) and values of the positions decoded so far, per layer, as
 * [batch, kvHeads, length, headDim]: each new token attends to them instead of recomputing the
 * prefix. Its arrays live in its own manager, closed with it.
 */
final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Positions held. */
    int length() {
        return length;
    }

    void advance(int positions) {
        length += positions;
    }

    /** Adds {@code k} to layer {@code l}'s keys; returns a copy of all of them in {@code scope}. */
    NDArray appendKeys(int l, NDArray k, NDManager scope) {
        keys[l] = append(keys[l], k);
        return inScope(keys[l], scope);
    }

    NDArray appendValues(int l, NDArray v, NDManager scope) {
        values[l] = append(values[l], v);
        return inScope(values[l], scope);
    }

    private NDArray append(NDArray held, NDArray next) {
        NDArray all = held == null ? next.duplicate() : NDArrays.concat(new NDList(held, next), 2);
        all.attach(manager);
        if (held != null) {
            held.close();
        }
        return all;
    }

    /** Ops on a cached array would leave their results in the cache's manager: work on a copy. */
    private static NDArray inScope(NDArray cached, NDManager scope) {
        NDArray copy = cached.duplicate();
        copy.attach(scope);
        return copy;
    }

    @Override
    public void close() {
        manager.close();
    }
}
