package dev.engram.streams;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a training worker signs when it publishes a candidate, and how nodes and the SDK check it:
 * Ed25519 (in the JDK) over {@link #signedBytes}, which cover the version's identity (adapter name,
 * tenant, version, parent, base model, method, status {@link AdapterStatus#CANDIDATE}, job id), the
 * payload's SHA-256 (so every file, the ranker policy included) and the metrics the worker measured.
 * The signature travels on the record ({@link AdapterPublished#signerKeyId()},
 * {@link AdapterPublished#signature()}); whoever can write {@code engram.adapters} but holds no
 * trusted worker's private key can neither make a version nor alter one.
 *
 * <pre>{@code
 * AdapterPublished signed = AdapterSignature.sign(AdapterPublished.candidate(job, metrics, files, now), keyPair);
 * AdapterSignature.Check check = AdapterSignature.verify(signed, trusted);
 * if (!check.trusted()) {
 *     log.warn("not served: {}", check.reason());
 * }
 * }</pre>
 *
 * <p>The signed status is always {@code CANDIDATE}: a worker proposes, only a node's gate (or an
 * operator's control) makes a version serve. A record whose status says otherwise still carries
 * the candidate's signature, and readers decide what its status means (nodes never serve a version
 * on its publisher's word).
 */
public final class AdapterSignature {

    /** The signature algorithm: Ed25519, in the JDK since 15. */
    public static final String ALGORITHM = "Ed25519";

    /** What a signer key id looks like: {@code "ed25519:"} and 32 lower-case hex digits. */
    public static final String KEY_ID_REGEX = "ed25519:[0-9a-f]{32}";

    /** Length of an Ed25519 signature in bytes. */
    public static final int SIGNATURE_BYTES = 64;

    static final Pattern KEY_ID = Pattern.compile(KEY_ID_REGEX);

    private static final String DOMAIN = "engram-adapter-signature/1";

    private AdapterSignature() {}

    /**
     * The outcome of {@link #verify}.
     *
     * @param trusted whether a trusted key signed exactly this version
     * @param keyId the key the record names; {@code null} when unsigned
     * @param reason why it is not trusted, for people; {@code ""} when trusted
     */
    public record Check(boolean trusted, String keyId, String reason) {
        public Check {
            Objects.requireNonNull(reason, "check.reason");
        }
    }

    /**
     * The bytes a worker signs for {@code adapter}: a fixed domain line, then each field as
     * {@code name=<length>:<value>\n} (length in UTF-8 bytes, so no value can pose as another field):
     * adapterName, tenant, version, parentVersion ({@code "base"} when none), baseModelId, method,
     * status ({@code CANDIDATE}, whatever the record says), jobId, payloadSha256 and metrics (their
     * fields in declaration order, numbers as {@link Double#toString}, {@code extra} sorted by name,
     * each entry as a name field and a value field). An {@link AdapterKind#AGENT_MODEL} adapter has no
     * metrics; after payloadSha256 come {@code kind} and its {@link PlanLossMetrics}, field by field
     * (the gate's verdict and reason included).
     */
    public static byte[] signedBytes(AdapterPublished adapter) {
        Objects.requireNonNull(adapter, "adapter");
        Fields f = new Fields();
        f.add("adapterName", adapter.adapterName());
        f.add("tenant", adapter.tenant());
        f.add("version", Long.toString(adapter.version()));
        f.add("parentVersion", adapter.parentVersion() == null ? "base" : Long.toString(adapter.parentVersion()));
        f.add("baseModelId", adapter.baseModelId());
        f.add("method", adapter.method().name());
        f.add("status", AdapterStatus.CANDIDATE.name());
        f.add("jobId", adapter.jobId());
        f.add("payloadSha256", adapter.payloadSha256());
        if (adapter.kind() == AdapterKind.AGENT_MODEL) {
            // Only agent-model adapters add these lines: retriever signatures stay what they were.
            PlanLossMetrics p = adapter.planLoss();
            f.add("kind", adapter.kind().wireName());
            f.add("planLoss.candidateNll", Double.toString(p.candidateNll()));
            f.add("planLoss.servingNll", Double.toString(p.servingNll()));
            f.add("planLoss.heldOutPlans", Integer.toString(p.heldOutPlans()));
            f.add("planLoss.meanGain", Double.toString(p.meanGain()));
            f.add("planLoss.gainLower", Double.toString(p.gainLower()));
            f.add("planLoss.gainUpper", Double.toString(p.gainUpper()));
            f.add("planLoss.promote", Boolean.toString(p.promote()));
            f.add("planLoss.reason", p.reason());
            return f.bytes();
        }
        AdapterMetrics m = adapter.metrics();
        f.add("metrics.heldOutNdcg10", Double.toString(m.heldOutNdcg10()));
        f.add("metrics.parentHeldOutNdcg10", Double.toString(m.parentHeldOutNdcg10()));
        f.add("metrics.heldOutQueries", Integer.toString(m.heldOutQueries()));
        f.add("metrics.retentionNdcg10", String.valueOf(m.retentionNdcg10()));
        f.add("metrics.parentRetentionNdcg10", String.valueOf(m.parentRetentionNdcg10()));
        f.add("metrics.retentionQueries", Integer.toString(m.retentionQueries()));
        for (Map.Entry<String, Double> e : m.extra().entrySet()) {
            f.add("metrics.extra.name", e.getKey());
            f.add("metrics.extra.value", Double.toString(e.getValue()));
        }
        return f.bytes();
    }

    /**
     * {@code candidate} signed with {@code keys} (an Ed25519 pair).
     *
     * @throws IllegalArgumentException when {@code candidate} is not a {@link AdapterStatus#CANDIDATE}
     *     or the keys are not Ed25519
     */
    public static AdapterPublished sign(AdapterPublished candidate, KeyPair keys) {
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(keys, "keys");
        if (candidate.status() != AdapterStatus.CANDIDATE) {
            throw new IllegalArgumentException("only candidates are signed (the gate decides the rest), "
                    + candidate.key() + " is " + candidate.status());
        }
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(keys.getPrivate());
            s.update(signedBytes(candidate));
            return candidate.signed(
                    TrustedWorkerKeys.keyId(keys.getPublic()),
                    Base64.getEncoder().encodeToString(s.sign()));
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("the worker key is not an " + ALGORITHM + " key: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing " + candidate.key() + " failed: " + e.getMessage(), e);
        }
    }

    /** Whether one of {@code trusted} signed exactly this version (its identity, payload and metrics). */
    public static Check verify(AdapterPublished adapter, TrustedWorkerKeys trusted) {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(trusted, "trusted");
        String keyId = adapter.signerKeyId();
        if (keyId == null) {
            return new Check(
                    false,
                    null,
                    "unsigned: only versions signed by a trusted worker key are served "
                            + "(workers sign every candidate they publish)");
        }
        PublicKey key = trusted.get(keyId).orElse(null);
        if (key == null) {
            return new Check(
                    false,
                    keyId,
                    "signed by worker key " + keyId + ", which is not trusted here"
                            + (trusted.isEmpty()
                                    ? " (no worker key is trusted: give the node --trusted-workers FILE)"
                                    : " (trusted: " + trusted.ids()
                                            + "; add that worker's worker-key.pub to the trusted keys)"));
        }
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(signedBytes(adapter));
            if (s.verify(Base64.getDecoder().decode(adapter.signature()))) {
                return new Check(true, keyId, "");
            }
        } catch (SignatureException | IllegalArgumentException e) {
            // a malformed signature is a signature that does not verify
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("verifying " + adapter.key() + " failed: " + e.getMessage(), e);
        }
        return new Check(
                false,
                keyId,
                "its signature does not verify with worker key " + keyId
                        + ": its files, identity or metrics differ from what that worker signed (altered or forged)");
    }

    /** Length-prefixed {@code name=<length>:<value>\n} lines after the domain line (also {@link ControlSignature}'s). */
    static final class Fields {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

        Fields() {
            this(DOMAIN);
        }

        Fields(String domain) {
            out.writeBytes((domain + "\n").getBytes(StandardCharsets.UTF_8));
        }

        void add(String name, String value) {
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            out.writeBytes((name + "=" + v.length + ":").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(v);
            out.write('\n');
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
