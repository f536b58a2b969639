package dev.engram.agentmodel;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model folder that is not a supported Llama-family model: the message names the file, the
 * field or tensor, and what is wrong. Thrown before the model is usable; nothing is left loaded.
 */
public class InvalidModelException extends IOException {

    private final transient Path file;
    private final String field;

    public InvalidModelException(Path file, String field, String problem) {
        super(file + (field == null ? "" : " [" + field + "]") + ": " + problem);
        this.file = file;
        this.field = field;
    }

    public InvalidModelException(Path file, String field, String problem, Throwable cause) {
        super(file + (field == null ? "" : " [" + field + "]") + ": " + problem, cause);
        this.file = file;
        this.field = field;
    }

    /** The file that was rejected. */
    public Path file() {
        return file;
    }

    /** The JSON field or tensor name at fault, or null when the whole file is. */
    public String field() {
        return field;
    }
}
