package dev.engram.node.adapters;

/** An adapter, or a version of one, that this node does not know; the message says which. */
public final class NoSuchAdapterException extends RuntimeException {

    public NoSuchAdapterException(String message) {
        super(message);
    }
}
