package dev.engram.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.streams.AdapterControl;
import dev.engram.streams.ControlSignature;
import dev.engram.streams.TrustedNodeKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's key pair in its data directory: made once with an owner-only private key, read back, refused when unsafe. */
class NodeKeyTest {

    @TempDir
    Path tmp;

    @Test
    void madeOnceWithAnOwnerOnlyPrivateKeyReadBackAndSigningControlsItsPublicFileVerifies() throws Exception {
        Path data = tmp.resolve("data");
        NodeKey made = NodeKey.loadOrCreate(data);
        Path privateFile = data.resolve(NodeKey.PRIVATE_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(privateFile)).startsWith("-----BEGIN PRIVATE KEY-----");

        NodeKey again = NodeKey.loadOrCreate(data);
        assertThat(again.id()).isEqualTo(made.id());
        TrustedNodeKeys trusted = TrustedNodeKeys.load(again.publicKeyFile());
        assertThat(trusted.ids()).containsExactly(made.id());
        AdapterControl signed = made.sign(AdapterControl.pin("acme-retriever", 2, "ana", "", Instant.EPOCH));
        assertThat(ControlSignature.verify(signed, trusted).trusted()).isTrue();
    }

    @Test
    void aPrivateKeyOthersCanReadAForeignPublicHalfOrAMissingHalfIsRefused() throws Exception {
        Path data = tmp.resolve("n");
        NodeKey.loadOrCreate(data);
        Path privateFile = data.resolve(NodeKey.PRIVATE_FILE);
        Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> NodeKey.loadOrCreate(data))
                .hasMessageContaining("can be read by others")
                .hasMessageContaining("chmod 600 " + privateFile);
        Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));

        Files.copy(
                NodeKey.loadOrCreate(tmp.resolve("other")).publicKeyFile(),
                data.resolve(NodeKey.PUBLIC_FILE),
                StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> NodeKey.loadOrCreate(data)).hasMessageContaining("is not the public half");

        Files.delete(data.resolve(NodeKey.PUBLIC_FILE));
        assertThatThrownBy(() -> NodeKey.loadOrCreate(data)).hasMessageContaining(NodeKey.PUBLIC_FILE + " is missing");
    }
}
