package dev.engram.runtime;

import java.net.URI;

/**
 * A call to the node's HTTP API failed: the node answered with an error status (its message is in
 * {@link #nodeMessage()}), or it could not be reached at all ({@link #status()} is -1).
 *
 * <p>The message reads like {@code "POST http://localhost:8080/v1/tenants/acme/recall answered 400
 * Bad Request: task is required and must not be blank (field task)"}.
 */
public final class EngramApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String nodeMessage;
    private final String field;
    private final URI uri;

    /**
     * @param uri the URI called
     * @param status the HTTP status, or -1 when there was no answer
     * @param nodeMessage the node's error text (or why there was no answer)
     * @param field the request field the node blamed, or null
     * @param cause the I/O error, if any
     */
    public EngramApiException(URI uri, int status, String nodeMessage, String field, Throwable cause) {
        this("POST", uri, status, nodeMessage, field, cause);
    }

    /**
     * @param method the HTTP method of the call
     * @param uri the URI called
     * @param status the HTTP status, or -1 when there was no answer
     * @param nodeMessage the node's error text (or why there was no answer)
     * @param field the request field the node blamed, or null
     * @param cause the I/O error, if any
     */
    public EngramApiException(String method, URI uri, int status, String nodeMessage, String field, Throwable cause) {
        super(describe(method, uri, status, nodeMessage, field), cause);
        this.status = status;
        this.nodeMessage = nodeMessage;
        this.field = field;
        this.uri = uri;
    }

    /** The HTTP status, or -1 when the node did not answer. */
    public int status() {
        return status;
    }

    /** The node's error text, or why there was no answer. */
    public String nodeMessage() {
        return nodeMessage;
    }

    /** The request field the node blamed ({@code "task"}, {@code "k"}, {@code "tenant"}), or null. */
    public String field() {
        return field;
    }

    /** The URI that was called. */
    public URI uri() {
        return uri;
    }

    /** Whether retrying may help: no answer, 429, or a 5xx status. */
    public boolean retryable() {
        return status == -1 || status == 429 || status >= 500;
    }

    private static String describe(String method, URI uri, int status, String message, String field) {
        String call = method + " " + uri;
        if (status == -1) {
            return call + " got no answer: " + message + " (is the node running there?)";
        }
        return call + " answered " + status + ": " + message + (field == null ? "" : " (field " + field + ")");
    }
}
