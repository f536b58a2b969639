package dev.engram.node.registry;

/**
 * A known version that this node will not recall with: it was refused (signature, files, canary),
 * it failed while serving, it was never checked, or its files could not be loaded now (the HTTP
 * API's 409). What serves the tenant is unchanged.
 */
public final class VersionUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public VersionUnavailableException(String message) {
        super(message);
    }
}
