package dev.engram.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.streams.TrustedWorkerKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's key pair on disk: made once with an owner-only private key, read back, refused when unsafe. */
class WorkerKeyTest {

    @TempDir
    Path tmp;

    @Test
    void madeOnFirstStartWithAnOwnerOnlyPrivateKeyAndReadBackAfter() throws Exception {
        Path dir = tmp.resolve("data").resolve("worker");
        WorkerKey made = WorkerKey.loadOrCreate(dir);
        Path privateFile = dir.resolve(WorkerKey.PRIVATE_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(privateFile)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(made.publicKeyFile()).isEqualTo(dir.resolve(WorkerKey.PUBLIC_FILE));
        assertThat(TrustedWorkerKeys.load(made.publicKeyFile()).ids()).containsExactly(made.id());

        WorkerKey again = WorkerKey.loadOrCreate(dir);
        assertThat(again.id()).isEqualTo(made.id());
        assertThat(again.publicKey()).isEqualTo(made.publicKey());
    }

    @Test
    void aPrivateKeyOthersCanReadOrAForeignPublicHalfIsRefused() throws Exception {
        Path dir = tmp.resolve("w");
        WorkerKey.loadOrCreate(dir);
        Path privateFile = dir.resolve(WorkerKey.PRIVATE_FILE);
        Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> WorkerKey.loadOrCreate(dir))
                .hasMessageContaining("can be read by others")
                .hasMessageContaining("chmod 600 " + privateFile);
        Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));

        Files.copy(
                WorkerKey.loadOrCreate(tmp.resolve("other")).publicKeyFile(),
                dir.resolve(WorkerKey.PUBLIC_FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> WorkerKey.loadOrCreate(dir)).hasMessageContaining("is not the public half");

        Files.delete(dir.resolve(WorkerKey.PUBLIC_FILE));
        assertThatThrownBy(() -> WorkerKey.loadOrCreate(dir)).hasMessageContaining("worker-key.pub is missing");
    }
}
