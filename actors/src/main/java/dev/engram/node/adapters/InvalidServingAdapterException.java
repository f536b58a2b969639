package dev.engram.node.adapters;

/** An adapter version that cannot serve on this node; the message says why, for operators. */
public final class InvalidServingAdapterException extends RuntimeException {

    public InvalidServingAdapterException(String message) {
        super(message);
    }

    public InvalidServingAdapterException(String message, Throwable cause) {
        super(message, cause);
    }
}
