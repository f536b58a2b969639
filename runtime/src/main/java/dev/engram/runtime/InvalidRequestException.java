package dev.engram.runtime;

import java.util.Objects;

/**
 * The SDK refused to send a call, because a value that would go into the call's URL is one the
 * node cannot take (a tenant or an adapter name outside its pattern, an unknown recall mode).
 * What goes in a request's body (the task, {@code k}, a version, a reason) the node itself checks,
 * and refuses with an {@link EngramApiException} of status 400 that names the field.
 *
 * <p>The message starts with the field, then says why: {@code "tenant: must match
 * [a-z0-9_-]{1,64}, was 'ACME'"}.
 */
public final class InvalidRequestException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    /**
     * @param field the argument at fault, named as the node names it ({@code "tenant"}, {@code "name"}, {@code "mode"})
     * @param reason why, for the person who passed it
     */
    public InvalidRequestException(String field, String reason) {
        super(Objects.requireNonNull(field, "field") + ": " + Objects.requireNonNull(reason, "reason"));
        this.field = field;
        this.reason = reason;
    }

    /** The argument at fault, e.g. {@code "tenant"}. */
    public String field() {
        return field;
    }

    /** Why it was refused, without the field's name. */
    public String reason() {
        return reason;
    }
}
