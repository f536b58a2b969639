package dev.engram.broker.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive use of a broker data directory, taken before Kafka touches it.
 *
 * <p>Kafka locks its directories too, but only once the metadata log is already open: a second
 * broker started on a directory in use within the same JVM gets far enough to disturb the running
 * one's metadata log (its raft thread then spins, and it cannot shut down). This lock refuses the
 * second broker first, whether it is in this process or another.
 */
public final class DataDirectoryLock implements AutoCloseable {

    /** The lock file's name in the data directory; Kafka ignores plain files there. */
    public static final String FILE_NAME = "engram-broker.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir}, which must exist.
     *
     * @throws IllegalStateException when another broker holds it
     */
    public static DataDirectoryLock acquire(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the lock file " + file, e);
        }
        FileLock lock = null;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("could not lock " + file, e);
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new IllegalStateException("The Kafka data directory " + dir + " is in use by another "
                    + "embedded broker (in this process or another): stop that one first, or use another directory");
        }
        return new DataDirectoryLock(channel, lock);
    }

    /** Releases the lock. */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // Closing the channel below releases it as well.
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing more to release.
        }
    }
}
