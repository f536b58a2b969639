package dev.engram.node.http;

/** A request the API cannot serve as sent; answered with 400 and an {@link ApiError}. */
public final class BadRequestException extends RuntimeException {

    private final String field;

    /** @param field the request field at fault, or {@code null} */
    public BadRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    public ApiError toError() {
        return new ApiError(getMessage(), field);
    }
}
