package dev.engram.node.auth;

/** Revoking this key would leave no admin key of every tenant, so no one could manage keys again. */
public final class LastAdminKeyException extends IllegalStateException {

    public LastAdminKeyException(String message) {
        super(message);
    }
}
