package dev.engram.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workers' Ed25519 signatures on adapter versions: what they cover, and the trusted-keys files. */
class AdapterSignatureTest {

    private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    private static AdapterPublished candidate(int weightBytes) {
        byte[] weights = new byte[weightBytes];
        new Random(weightBytes).nextBytes(weights);
        return AdapterPublished.of(
                "acme-retriever",
                "acme",
                3,
                2L,
                "sentence-transformers/all-MiniLM-L6-v2",
                AdapterMethod.LORA_QUERY_SIDE,
                LoraTrainingConfig.defaults(),
                new AdapterMetrics(0.42, 0.40, 10, 0.39, 0.39, 5, Map.of("steps", 12.0)),
                AdapterStatus.CANDIDATE,
                "",
                "job-3",
                List.of(
                        new AdapterFile(AdapterFile.PEFT_CONFIG, "{}".getBytes(StandardCharsets.UTF_8)),
                        new AdapterFile(AdapterFile.PEFT_WEIGHTS, weights)),
                AT);
    }

    private static AdapterPublished agentModel(int weightBytes, PlanLossMetrics gate) {
        byte[] weights = new byte[weightBytes];
        new Random(weightBytes).nextBytes(weights);
        return AdapterPublished.agentModelCandidate(
                "acme-agent",
                "acme",
                2,
                1L,
                "HuggingFaceTB/SmolLM2-135M",
                new LoraTrainingConfig(
                        8,
                        16,
                        0.0,
                        List.of("q_proj", "v_proj"),
                        false,
                        false,
                        3,
                        8,
                        2e-4,
                        42,
                        512,
                        LoraTrainingConfig.Init.DEFAULT,
                        null,
                        false,
                        1,
                        "CAUSAL_LM"),
                gate,
                "acme-agent-v2",
                List.of(
                        new AdapterFile(AdapterFile.PEFT_CONFIG, "{}".getBytes(StandardCharsets.UTF_8)),
                        new AdapterFile(AdapterFile.PEFT_WEIGHTS, weights)),
                AT);
    }

    @Test
    void anAgentModelAdaptersSignatureCoversItsKindAndGateVerdictInlineAndChunked() throws Exception {
        KeyPair worker = ed25519();
        TrustedWorkerKeys trusted = TrustedWorkerKeys.of(worker.getPublic());
        PlanLossMetrics rejected = new PlanLossMetrics(2.4, 2.1, 12, -0.3, -0.5, -0.1, false, "reject: worse");
        for (int size : new int[] {64, 1024 * 1024}) {
            AdapterPublished signed = AdapterSignature.sign(agentModel(size, rejected), worker);
            assertThat(AdapterSignature.verify(signed, trusted).trusted()).isTrue();
            List<ProducerRecord<String, byte[]>> records = AdapterPublisher.records(signed, 1);
            AdapterAssembler assembler = new AdapterAssembler();
            List<AdapterAssembler.Delivery> out = new ArrayList<>();
            long offset = 0;
            for (ProducerRecord<String, byte[]> r : records) {
                out.addAll(assembler.accept(new ConsumerRecord<>(Topics.ADAPTERS, 0, offset++, r.key(), r.value())));
            }
            AdapterPublished read = ((AdapterAssembler.Delivery.Adapter) out.get(out.size() - 1)).adapter();
            assertThat(read).as("%d bytes, %d records", size, records.size()).isEqualTo(signed);
            assertThat(read.kind()).isEqualTo(AdapterKind.AGENT_MODEL);
            assertThat(AdapterSignature.verify(read, trusted).trusted()).isTrue();

            // Whoever flips the verdict to promote, or changes its figures, holds no valid signature.
            PlanLossMetrics flipped = new PlanLossMetrics(2.4, 2.1, 12, -0.3, -0.5, -0.1, true, "reject: worse");
            AdapterPublished forged = agentModel(size, flipped).signed(signed.signerKeyId(), signed.signature());
            assertThat(AdapterSignature.verify(forged, trusted).reason()).contains("does not verify");
            PlanLossMetrics better = new PlanLossMetrics(1.4, 2.1, 12, 0.7, 0.5, 0.9, false, "reject: worse");
            assertThat(AdapterSignature.verify(
                                    agentModel(size, better).signed(signed.signerKeyId(), signed.signature()), trusted)
                            .trusted())
                    .isFalse();
        }
    }

    @Test
    void aSignedCandidateVerifiesWithItsKeyAndSurvivesTheWireInlineAndChunked() throws Exception {
        KeyPair worker = ed25519();
        TrustedWorkerKeys trusted = TrustedWorkerKeys.of(worker.getPublic());
        for (int size : new int[] {64, 1024 * 1024}) {
            AdapterPublished signed = AdapterSignature.sign(candidate(size), worker);
            assertThat(signed.signerKeyId())
                    .isEqualTo(TrustedWorkerKeys.keyId(worker.getPublic()))
                    .matches(AdapterSignature.KEY_ID_REGEX);
            assertThat(AdapterSignature.verify(signed, trusted).trusted()).isTrue();

            List<ProducerRecord<String, byte[]>> records = AdapterPublisher.records(signed, 1);
            assertThat(records.size() > 1)
                    .as("chunked at %d bytes", size)
                    .isEqualTo(size > AdapterPublisher.INLINE_LIMIT_BYTES);
            AdapterAssembler assembler = new AdapterAssembler();
            List<AdapterAssembler.Delivery> out = new ArrayList<>();
            long offset = 0;
            for (ProducerRecord<String, byte[]> r : records) {
                out.addAll(assembler.accept(new ConsumerRecord<>(Topics.ADAPTERS, 0, offset++, r.key(), r.value())));
            }
            AdapterPublished read = ((AdapterAssembler.Delivery.Adapter) out.get(out.size() - 1)).adapter();
            assertThat(read).isEqualTo(signed);
            assertThat(AdapterSignature.verify(read, trusted).trusted())
                    .as("read back from the wire")
                    .isTrue();
        }
    }

    @Test
    void changingAnySignedPartBreaksTheSignature() throws Exception {
        KeyPair worker = ed25519();
        TrustedWorkerKeys trusted = TrustedWorkerKeys.of(worker.getPublic());
        AdapterPublished signed = AdapterSignature.sign(candidate(64), worker);
        byte[] other = new byte[64];
        Map<String, UnaryOperator<AdapterPublished>> edits = Map.of(
                "tenant", a -> copy(a, "evil", a.version(), a.parentVersion(), a.jobId(), a.metrics(), a.files()),
                "version", a -> copy(a, a.tenant(), 4, a.parentVersion(), a.jobId(), a.metrics(), a.files()),
                "parent", a -> copy(a, a.tenant(), a.version(), null, a.jobId(), a.metrics(), a.files()),
                "job id", a -> copy(a, a.tenant(), a.version(), a.parentVersion(), "job-x", a.metrics(), a.files()),
                "metrics",
                        a -> copy(
                                a,
                                a.tenant(),
                                a.version(),
                                a.parentVersion(),
                                a.jobId(),
                                new AdapterMetrics(0.99, 0.40, 10, 0.39, 0.39, 5, Map.of("steps", 12.0)),
                                a.files()),
                "files",
                        a -> copy(
                                a,
                                a.tenant(),
                                a.version(),
                                a.parentVersion(),
                                a.jobId(),
                                a.metrics(),
                                List.of(a.files().get(0), new AdapterFile(AdapterFile.PEFT_WEIGHTS, other))));
        edits.forEach((what, edit) -> {
            AdapterSignature.Check check = AdapterSignature.verify(edit.apply(signed), trusted);
            assertThat(check.trusted()).as(what).isFalse();
            assertThat(check.reason()).as(what).contains("does not verify").contains(signed.signerKeyId());
        });
        // The status is not the signer's to choose: the signature covers CANDIDATE whatever the record says.
        assertThat(AdapterSignature.verify(signed.withStatus(AdapterStatus.PROMOTED, "self"), trusted)
                        .trusted())
                .isTrue();
        assertThatThrownBy(() -> AdapterSignature.sign(signed.withStatus(AdapterStatus.PROMOTED, "x"), worker))
                .hasMessageContaining("only candidates are signed");
    }

    @Test
    void unsignedUntrustedAndForgedAreRefusedWithTheirReason() throws Exception {
        KeyPair worker = ed25519();
        KeyPair stranger = ed25519();
        TrustedWorkerKeys trusted = TrustedWorkerKeys.of(worker.getPublic());
        AdapterPublished unsigned = candidate(64);
        assertThat(AdapterSignature.verify(unsigned, trusted).reason()).startsWith("unsigned");

        AdapterPublished byStranger = AdapterSignature.sign(unsigned, stranger);
        assertThat(AdapterSignature.verify(byStranger, trusted).reason())
                .contains("signed by worker key " + byStranger.signerKeyId() + ", which is not trusted");
        assertThat(AdapterSignature.verify(byStranger, TrustedWorkerKeys.none()).reason())
                .contains("no worker key is trusted");

        // The trusted key's id with the stranger's signature: a forgery.
        AdapterPublished forged = unsigned.signed(TrustedWorkerKeys.keyId(worker.getPublic()), byStranger.signature());
        AdapterSignature.Check check = AdapterSignature.verify(forged, trusted);
        assertThat(check.trusted()).isFalse();
        assertThat(check.reason()).contains("does not verify");
    }

    @Test
    void theRecordChecksTheSignaturesForm() {
        AdapterPublished a = candidate(64);
        assertThatThrownBy(() -> a.signed("ed25519:" + "0".repeat(32), null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("signature: is required");
        assertThatThrownBy(() -> a.signed("rsa:1234", "A".repeat(86) + "==")).hasMessageStartingWith("signerKeyId:");
        assertThatThrownBy(() -> a.signed("ed25519:" + "0".repeat(32), "AAAA"))
                .hasMessageStartingWith("signature:")
                .hasMessageContaining("64-byte");
    }

    @Test
    void trustedKeysReadAFileOrADirectoryOfPubFilesAndNameABadLine() throws Exception {
        KeyPair a = ed25519();
        KeyPair b = ed25519();
        Path file = tmp.resolve("trusted-workers");
        Files.writeString(
                file,
                "# workers\n\n" + TrustedWorkerKeys.line(a.getPublic(), "worker-key gpu-1") + "\n"
                        + TrustedWorkerKeys.line(b.getPublic(), null) + "\n");
        TrustedWorkerKeys fromFile = TrustedWorkerKeys.load(file);
        assertThat(fromFile.ids())
                .containsExactlyInAnyOrder(
                        TrustedWorkerKeys.keyId(a.getPublic()), TrustedWorkerKeys.keyId(b.getPublic()));

        Path dir = Files.createDirectories(tmp.resolve("keys"));
        Files.writeString(dir.resolve("gpu-1.pub"), TrustedWorkerKeys.line(a.getPublic(), "gpu-1") + "\n");
        Files.writeString(dir.resolve("notes.txt"), "not a key\n");
        assertThat(TrustedWorkerKeys.load(dir).ids()).containsExactly(TrustedWorkerKeys.keyId(a.getPublic()));

        Files.writeString(file, TrustedWorkerKeys.line(a.getPublic(), "") + "\nssh-rsa AAAA me@host\n");
        assertThatThrownBy(() -> TrustedWorkerKeys.load(file))
                .hasMessageContaining(file + " line 2")
                .hasMessageContaining("expected 'ed25519 <base64 public key>");
        assertThatThrownBy(() -> TrustedWorkerKeys.load(tmp.resolve("missing"))).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> TrustedWorkerKeys.of(
                        KeyPairGenerator.getInstance("Ed448").generateKeyPair().getPublic()))
                .hasMessageContaining("Ed25519");
    }

    private static AdapterPublished copy(
            AdapterPublished a,
            String tenant,
            long version,
            Long parent,
            String jobId,
            AdapterMetrics metrics,
            List<AdapterFile> files) {
        return AdapterPublished.of(
                        a.adapterName(),
                        tenant,
                        version,
                        parent,
                        a.baseModelId(),
                        a.method(),
                        a.config(),
                        metrics,
                        a.status(),
                        a.statusReason(),
                        jobId,
                        files,
                        a.createdAt())
                .signed(a.signerKeyId(), a.signature());
    }
}
