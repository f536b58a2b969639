package dev.engram.adapters;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An adapter directory or file that cannot be applied: the message names the file and what is
 * wrong with it. Thrown before anything in the model is changed.
 */
public class InvalidAdapterException extends IOException {

    private final transient Path file;

    public InvalidAdapterException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public InvalidAdapterException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that was rejected. */
    public Path file() {
        return file;
    }
}
