package dev.engram.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import org.junit.jupiter.api.Test;

class CaseVectorTest {

    private static final String ENCODER = "sentence-transformers/all-MiniLM-L6-v2;maxLength=256";
    private static final KeyPair NODE = ed25519();

    private static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aVectorTravelsBitForBitUnderItsCaseKey() {
        float[] values = {0.1f, -0.2f, 0.30000001f, Float.MIN_VALUE, -0.0f, 1e-30f};
        CaseVector v = CaseVector.of("acme", "evt-1", ENCODER, "why does the wing flutter", values, NODE);

        CaseVector back = ContinualCodec.decodeCaseVector(ContinualCodec.encode(v));

        assertThat(back).isEqualTo(v);
        assertThat(back.values()).isEqualTo(values);
        assertThat(back.key()).isEqualTo("acme/evt-1").isEqualTo(CaseVector.key("acme", "evt-1"));
        assertThat(back.dimension()).isEqualTo(values.length);
        assertThat(back.textSha256())
                .isEqualTo(CaseVector.textSha256("why does the wing flutter"))
                .isNotEqualTo(CaseVector.textSha256("why does the wing flutter "));
        assertThat(back.signerKeyId()).isEqualTo(TrustedWorkerKeys.keyId(NODE.getPublic()));
        assertThat(back.toString())
                .contains("acme/evt-1", ENCODER, "6 dims", back.signerKeyId())
                .doesNotContain("0.1");
    }

    @Test
    void aVectorThatIsNotFiniteIsRefusedWithTheValueItHolds() {
        assertThatThrownBy(() -> CaseVector.of("acme", "evt-1", ENCODER, "t", new float[] {0.5f, Float.NaN}, NODE))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("vector: value 1 must be finite");
        assertThatThrownBy(
                        () -> CaseVector.of("acme", "evt-1", ENCODER, "t", new float[] {Float.POSITIVE_INFINITY}, NODE))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("vector: value 0 must be finite");
        assertThatThrownBy(() -> CaseVector.of("acme", "evt-1", " ", "t", new float[] {1f}, NODE))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("encoder:");
    }
}
