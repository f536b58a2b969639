package dev.engram.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Nodes' Ed25519 signatures on the case vectors they record: what they cover, and who is trusted. */
class CaseVectorSignatureTest {

    private static final String ENCODER = "sentence-transformers/all-MiniLM-L6-v2;maxLength=256";
    private static final String TEXT = "why does the wing flutter\nmeasure it\nworked";
    private static final float[] VALUES = {0.5f, -0.25f, 0.125f, 0f};

    private static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    @Test
    void aSignedVectorVerifiesWithItsKeyAndSurvivesTheWire() throws Exception {
        KeyPair node = ed25519();
        CaseVector v = CaseVector.of("acme", "evt-42", ENCODER, TEXT, VALUES, node);

        CaseVector read = ContinualCodec.decodeCaseVector(ContinualCodec.encode(v));

        assertThat(read).isEqualTo(v);
        assertThat(read.signerKeyId()).isEqualTo(TrustedWorkerKeys.keyId(node.getPublic()));
        AdapterSignature.Check check = CaseVectorSignature.verify(read, TrustedNodeKeys.of(node.getPublic()));
        assertThat(check.trusted()).isTrue();
        assertThat(check.keyId()).isEqualTo(read.signerKeyId());
        assertThat(check.reason()).isEmpty();
    }

    @Test
    void aVectorSignedByAKeyNotTrustedHereIsNotTrustedAndSaysWhatToDo() throws Exception {
        KeyPair node = ed25519();
        KeyPair stranger = ed25519();
        CaseVector forged = CaseVector.of("acme", "evt-42", ENCODER, TEXT, VALUES, stranger);

        AdapterSignature.Check check = CaseVectorSignature.verify(forged, TrustedNodeKeys.of(node.getPublic()));

        assertThat(check.trusted()).isFalse();
        assertThat(check.keyId()).isEqualTo(TrustedWorkerKeys.keyId(stranger.getPublic()));
        assertThat(check.reason())
                .contains("not trusted here", TrustedWorkerKeys.keyId(node.getPublic()), "--trusted-nodes");
        assertThat(CaseVectorSignature.verify(forged, TrustedNodeKeys.none()).trusted())
                .isFalse();
        assertThat(CaseVectorSignature.verify(
                                CaseVectorSignature.sign(forged, node), TrustedNodeKeys.of(node.getPublic()))
                        .trusted())
                .as("the same record signed again by a trusted node")
                .isTrue();
    }

    @Test
    void changingAnyFieldOrAnyBitOfTheVectorBreaksTheSignature() throws Exception {
        KeyPair node = ed25519();
        TrustedNodeKeys trusted = TrustedNodeKeys.of(node.getPublic());
        CaseVector v = CaseVector.of("acme", "evt-42", ENCODER, TEXT, VALUES, node);
        byte[] flipped = v.vector();
        flipped[5] ^= 0x01; // one bit of the second value: still finite, a different vector
        float[] adversarial = {1f, 1f, 1f, 1f};
        byte[] adversarialBytes = CaseVector.of("acme", "evt-42", ENCODER, TEXT, adversarial, node)
                .vector();
        List<CaseVector> altered = List.of(
                with(v, "acme", "evt-42", ENCODER, 4, v.textSha256(), flipped),
                with(v, "acme", "evt-42", ENCODER, 4, v.textSha256(), adversarialBytes),
                with(v, "other", "evt-42", ENCODER, 4, v.textSha256(), v.vector()),
                with(v, "acme", "evt-43", ENCODER, 4, v.textSha256(), v.vector()),
                with(v, "acme", "evt-42", ENCODER + ";adapter=acme-retriever@3", 4, v.textSha256(), v.vector()),
                with(v, "acme", "evt-42", ENCODER, 4, CaseVector.textSha256(TEXT + " "), v.vector()),
                with(v, "acme", "evt-42", ENCODER, 2, v.textSha256(), java.util.Arrays.copyOf(v.vector(), 8)));
        for (CaseVector a : altered) {
            AdapterSignature.Check check = CaseVectorSignature.verify(a, trusted);
            assertThat(check.trusted()).as(a.toString()).isFalse();
            assertThat(check.reason()).as(a.toString()).contains("does not verify", "altered or forged");
        }

        byte[] otherSignature = Base64.getDecoder().decode(v.signature());
        otherSignature[0] ^= 0x01;
        CaseVector badSignature = new CaseVector(
                v.schemaVersion(),
                v.tenant(),
                v.caseId(),
                v.encoder(),
                v.dimension(),
                v.textSha256(),
                v.vector(),
                v.signerKeyId(),
                Base64.getEncoder().encodeToString(otherSignature));
        assertThat(CaseVectorSignature.verify(badSignature, trusted).trusted()).isFalse();
    }

    @Test
    void everyRecordCarriesASignatureOfTheRightForm() throws Exception {
        CaseVector v = CaseVector.of("acme", "evt-42", ENCODER, TEXT, VALUES, ed25519());
        assertThatThrownBy(
                        () -> new CaseVector(1, "acme", "evt-42", ENCODER, 4, v.textSha256(), v.vector(), null, null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("signerKeyId: is required");
        assertThatThrownBy(() -> new CaseVector(
                        1, "acme", "evt-42", ENCODER, 4, v.textSha256(), v.vector(), v.signerKeyId(), null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("signature: is required");
        assertThatThrownBy(() -> new CaseVector(
                        1, "acme", "evt-42", ENCODER, 4, v.textSha256(), v.vector(), v.signerKeyId(), "AAAA"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("64-byte");
        assertThatThrownBy(() -> CaseVector.of(
                        "acme",
                        "evt-42",
                        ENCODER,
                        TEXT,
                        VALUES,
                        KeyPairGenerator.getInstance("RSA").generateKeyPair()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Ed25519");
    }

    /** {@code v}'s signature on other fields. */
    private static CaseVector with(
            CaseVector v, String tenant, String caseId, String encoder, int dimension, String sha, byte[] vector) {
        return new CaseVector(
                v.schemaVersion(), tenant, caseId, encoder, dimension, sha, vector, v.signerKeyId(), v.signature());
    }
}
