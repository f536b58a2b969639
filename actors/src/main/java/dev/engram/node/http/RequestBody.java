package dev.engram.node.http;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;

/**
 * Reads a request body as UTF-8 text, at most {@value #MAX_BYTES} bytes. A larger body is answered
 * with 413 as soon as its {@code Content-Length} says so (or once that many bytes arrived); the rest
 * is read and discarded first, up to {@link #MAX_DRAINED_BYTES}, so that the client reads the answer. Pekko's own {@code entity(...)} directive turns an over-long body into a
 * rejection, which the next alternative route then answered with a misleading 405.
 */
final class RequestBody {

    /**
     * Largest body the API reads: a recall request is at most a task of
     * {@value RecallRequest#MAX_TASK_CHARS} characters (up to 4 bytes each in UTF-8) and a few fields.
     */
    static final long MAX_BYTES = 128 * 1024;

    private static final long READ_TIMEOUT_MILLIS = 30_000;

    /**
     * A body declared larger than {@link #MAX_BYTES} but at most this is read and thrown away before
     * the 413 goes out. Answering at once and closing the connection while the client is still
     * writing makes the kernel reset it, and the client then sees a broken connection instead of the
     * 413 (measured: Java's HTTP client, 10 MB body, "header parser received no bytes"). Larger
     * declared bodies are refused at once; their clients may see the reset.
     */
    static final long MAX_DRAINED_BYTES = 64L * 1024 * 1024;

    private RequestBody() {}

    /** Reads the body and hands it to {@code inner}; 413 when it is too large, 400 when it cannot be read. */
    static Route read(Function<String, Route> inner) {
        return Directives.extractRequestEntity(entity -> {
            if (entity.getContentLengthOption().isPresent()
                    && entity.getContentLengthOption().getAsLong() > MAX_BYTES) {
                long length = entity.getContentLengthOption().getAsLong();
                if (length > MAX_DRAINED_BYTES) {
                    return tooLarge(length);
                }
                return Directives.extractMaterializer(materializer -> Directives.onComplete(
                        () -> entity.withoutSizeLimit()
                                .discardBytes(materializer)
                                .completionStage(),
                        drained -> tooLarge(length)));
            }
            return Directives.extractMaterializer(materializer ->
                    Directives.onComplete(() -> entity.toStrict(READ_TIMEOUT_MILLIS, MAX_BYTES, materializer), read -> {
                        if (read.isSuccess()) {
                            return inner.apply(read.get().getData().utf8String());
                        }
                        Throwable failure = unwrap(read.failed().get());
                        if (failure instanceof EntityStreamSizeException) {
                            return tooLarge(-1);
                        }
                        return Directives.complete(JsonResponses.error(
                                StatusCodes.BAD_REQUEST,
                                "could not read the request body: " + failure.getMessage(),
                                null));
                    }));
        });
    }

    private static Route tooLarge(long length) {
        return Directives.complete(JsonResponses.error(
                StatusCodes.PAYLOAD_TOO_LARGE,
                "the request body "
                        + (length >= 0 ? "has " + length + " bytes" : "is larger than the limit")
                        + "; the API reads at most "
                        + MAX_BYTES + " bytes (a recall task is at most " + RecallRequest.MAX_TASK_CHARS
                        + " characters)",
                null));
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
