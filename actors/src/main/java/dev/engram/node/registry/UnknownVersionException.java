package dev.engram.node.registry;

/**
 * A version asked for by an operator that this node does not know for the tenant: no such adapter
 * of the tenant, or no such version of it (the HTTP API's 404).
 */
public final class UnknownVersionException extends Exception {

    private static final long serialVersionUID = 1L;

    public UnknownVersionException(String message) {
        super(message);
    }
}
