package dev.engram.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes' Ed25519 signatures on operator controls: what they cover, and the trusted-node-keys files. */
class ControlSignatureTest {

    private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    @Test
    void aSignedControlVerifiesWithItsKeyAndSurvivesTheWire() throws Exception {
        KeyPair node = ed25519();
        TrustedNodeKeys trusted = TrustedNodeKeys.of(node.getPublic());
        for (AdapterControl control : List.of(
                AdapterControl.pin("acme-retriever", 3, "ana", "v4 hurts refunds", AT),
                AdapterControl.unpin("acme-retriever", "ana", "", AT),
                AdapterControl.rollback("acme-retriever", 2, "bo", "ü – 😀", AT))) {
            AdapterControl signed = ControlSignature.sign(control, node);
            assertThat(signed.signerKeyId()).isEqualTo(TrustedWorkerKeys.keyId(node.getPublic()));
            AdapterControl read = ContinualCodec.decodeAdapterControl(ContinualCodec.encode(signed));
            assertThat(read).isEqualTo(signed);
            assertThat(ControlSignature.verify(read, trusted).trusted())
                    .as(control.action().name())
                    .isTrue();
        }
    }

    @Test
    void unsignedUntrustedAndAlteredControlsAreNotTrustedAndSayWhy() throws Exception {
        KeyPair node = ed25519();
        KeyPair stranger = ed25519();
        TrustedNodeKeys trusted = TrustedNodeKeys.of(node.getPublic());
        AdapterControl pin = AdapterControl.pin("acme-retriever", 3, "ana", "v4 hurts refunds", AT);

        assertThat(ControlSignature.verify(pin, trusted).reason()).startsWith("unsigned");
        assertThat(ControlSignature.verify(ControlSignature.sign(pin, stranger), trusted)
                        .reason())
                .contains("not trusted here");

        AdapterControl signed = ControlSignature.sign(pin, node);
        List<AdapterControl> altered = List.of(
                new AdapterControl(
                        1,
                        "acme-retriever",
                        AdapterControl.Action.PIN,
                        2L,
                        "ana",
                        "v4 hurts refunds",
                        AT,
                        signed.signerKeyId(),
                        signed.signature()),
                new AdapterControl(
                        1,
                        "acme-retriever",
                        AdapterControl.Action.ROLLBACK,
                        3L,
                        "ana",
                        "v4 hurts refunds",
                        AT,
                        signed.signerKeyId(),
                        signed.signature()),
                new AdapterControl(
                        1,
                        "acme-retriever",
                        AdapterControl.Action.PIN,
                        3L,
                        "admin",
                        "v4 hurts refunds",
                        AT,
                        signed.signerKeyId(),
                        signed.signature()),
                new AdapterControl(
                        1,
                        "other-retriever",
                        AdapterControl.Action.PIN,
                        3L,
                        "ana",
                        "v4 hurts refunds",
                        AT,
                        signed.signerKeyId(),
                        signed.signature()),
                new AdapterControl(
                        1,
                        "acme-retriever",
                        AdapterControl.Action.PIN,
                        3L,
                        "ana",
                        "",
                        AT,
                        signed.signerKeyId(),
                        signed.signature()),
                new AdapterControl(
                        1,
                        "acme-retriever",
                        AdapterControl.Action.PIN,
                        3L,
                        "ana",
                        "v4 hurts refunds",
                        AT.plusSeconds(1),
                        signed.signerKeyId(),
                        signed.signature()));
        for (AdapterControl a : altered) {
            AdapterSignature.Check check = ControlSignature.verify(a, trusted);
            assertThat(check.trusted()).as(a.toString()).isFalse();
            assertThat(check.reason()).contains("does not verify");
        }
    }

    @Test
    void signaturesTravelInPairsOfTheRightForm() {
        AdapterControl pin = AdapterControl.pin("acme-retriever", 3, "ana", "", AT);
        assertThatThrownBy(() -> pin.signed("ed25519:" + "0".repeat(32), null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("signature");
        assertThatThrownBy(() -> pin.signed("ed25519:" + "0".repeat(32), "AAAA"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("64-byte");
    }

    @Test
    void trustedNodeKeysLoadFromAFileOrADirectoryAndNameABadLine() throws Exception {
        KeyPair a = ed25519();
        KeyPair b = ed25519();
        Path dir = Files.createDirectory(tmp.resolve("nodes"));
        Files.writeString(
                dir.resolve("a.pub"), "# node a\n" + TrustedWorkerKeys.line(a.getPublic(), "node-key a") + "\n");
        Files.writeString(dir.resolve("b.pub"), TrustedWorkerKeys.line(b.getPublic(), "") + "\n");
        Files.writeString(dir.resolve("ignored.txt"), "not a key\n");
        assertThat(TrustedNodeKeys.load(dir).ids())
                .containsExactlyInAnyOrder(
                        TrustedWorkerKeys.keyId(a.getPublic()), TrustedWorkerKeys.keyId(b.getPublic()));
        assertThat(TrustedNodeKeys.load(dir.resolve("a.pub")).ids())
                .containsExactly(TrustedWorkerKeys.keyId(a.getPublic()));

        Path bad = tmp.resolve("bad.pub");
        Files.writeString(bad, "\nssh-rsa AAAA\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> TrustedNodeKeys.load(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2");
        assertThatThrownBy(() -> TrustedNodeKeys.load(tmp.resolve("absent"))).hasMessageContaining("does not exist");
    }

    @Test
    void trustedNodeKeysRefuseAKeyThatIsNotEd25519NamingIt() throws Exception {
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
        assertThatThrownBy(() -> TrustedNodeKeys.of(rsa.getPublic()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node keys are Ed25519 keys, was RSA");
        assertThatThrownBy(() -> TrustedNodeKeys.of(List.of(ed25519().getPublic(), ed448.getPublic())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node keys are Ed25519 keys")
                .hasMessageContaining("Ed448");
        TrustedNodeKeys one = TrustedNodeKeys.of(ed25519().getPublic());
        assertThatThrownBy(() -> one.with(rsa.getPublic()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node keys are Ed25519 keys, was RSA");
        KeyPair other = ed25519();
        assertThat(one.with(other.getPublic()).ids()).hasSize(2).contains(TrustedWorkerKeys.keyId(other.getPublic()));
    }
}
