package dev.engram.streams;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.engram.streams.internal.ChunkChecks;
import dev.engram.streams.internal.FieldChecks;
import java.time.Instant;

/**
 * An operator's standing instruction for one adapter, on {@link Topics#ADAPTERS} under the key
 * {@code "<adapterName>/control"}. Compaction keeps the latest control per adapter, so the latest
 * one is the instruction in force, and it survives restarts: a node that reads the topic from the
 * beginning ends up in the same state.
 *
 * <pre>{@code
 * publisher.publish(nodeKey.sign(AdapterControl.pin("acme-retriever", 3, "ana", "v4 hurts refunds", clock.instant())));
 * publisher.publish(nodeKey.sign(AdapterControl.unpin("acme-retriever", "ana", "fixed in v5", clock.instant())));
 * }</pre>
 *
 * <p>Nodes apply only controls signed by a node key they trust ({@link ControlSignature}): whoever
 * can write the topic but holds no trusted node's private key can neither issue a control nor put
 * another operator's name on one.
 *
 * <ul>
 *   <li>{@link Action#PIN} {@code version}: serve that version, whatever is promoted later, until
 *       the next control.
 *   <li>{@link Action#UNPIN}: serve the latest {@link AdapterStatus#PROMOTED} version again.
 *   <li>{@link Action#ROLLBACK} {@code version}: serve that version instead of every version above
 *       it published before this control (by topic order); a version promoted after it takes over
 *       as usual.
 * </ul>
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param adapterName the adapter, {@link AdapterPublished#ADAPTER_NAME_REGEX}
 * @param action pin, unpin or roll back
 * @param version the target version for PIN and ROLLBACK (>= 1); null for UNPIN
 * @param operator who asked, at most {@link EventLimits#MAX_ID_CHARS} characters
 * @param reason why, at most {@link AdapterPublished#MAX_REASON_CHARS} characters; {@code ""} when none
 * @param issuedAt when
 * @param signerKeyId the node key that signed it ({@link AdapterSignature#KEY_ID_REGEX}); null when
 *     unsigned, which no node applies. Given together with {@code signature}
 * @param signature the node's Ed25519 signature over {@link ControlSignature#signedBytes}, base64;
 *     null when unsigned
 */
public record AdapterControl(
        int schemaVersion,
        String adapterName,
        Action action,
        Long version,
        String operator,
        String reason,
        Instant issuedAt,
        String signerKeyId,
        String signature) {

    /** The version of the control contract this code writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 1;

    /** What an operator can ask for. */
    public enum Action {
        PIN,
        UNPIN,
        ROLLBACK
    }

    public AdapterControl {
        if (schemaVersion > SCHEMA_VERSION) {
            throw new InvalidEventException(
                    "schemaVersion",
                    "version " + schemaVersion + " is newer than this reader understands (up to " + SCHEMA_VERSION
                            + "); upgrade Engram to read it");
        }
        ChunkChecks.atLeast("schemaVersion", schemaVersion, 1);
        ChunkChecks.requireMatch(
                "adapterName",
                adapterName,
                AdapterPublished.ADAPTER_NAME,
                "1-128 of [a-z0-9._-] starting with a letter or digit, e.g. 'acme-retriever'");
        ChunkChecks.requireNonNull("action", action);
        if (action == Action.UNPIN) {
            if (version != null) {
                throw new InvalidEventException("version", "must be null for UNPIN, was " + version);
            }
        } else {
            if (version == null) {
                throw new InvalidEventException("version", "is required for " + action);
            }
            ChunkChecks.atLeast("version", version, 1);
        }
        FieldChecks.requireText("operator", operator, EventLimits.MAX_ID_CHARS);
        reason = FieldChecks.optionalText("reason", reason, AdapterPublished.MAX_REASON_CHARS);
        ChunkChecks.requireNonNull("issuedAt", issuedAt);
        SignatureFields.check(
                signerKeyId, signature, "node", "a signed control names its key and carries its signature");
    }

    /** Serve {@code version} of {@code adapterName} until the next control. */
    public static AdapterControl pin(String adapterName, long version, String operator, String reason, Instant at) {
        return new AdapterControl(SCHEMA_VERSION, adapterName, Action.PIN, version, operator, reason, at, null, null);
    }

    /** Back to the latest promoted version. */
    public static AdapterControl unpin(String adapterName, String operator, String reason, Instant at) {
        return new AdapterControl(SCHEMA_VERSION, adapterName, Action.UNPIN, null, operator, reason, at, null, null);
    }

    /** Serve {@code version} instead of the versions above it published so far. */
    public static AdapterControl rollback(
            String adapterName, long version, String operator, String reason, Instant at) {
        return new AdapterControl(
                SCHEMA_VERSION, adapterName, Action.ROLLBACK, version, operator, reason, at, null, null);
    }

    /** The same control carrying a signature; {@link ControlSignature#sign} makes one. */
    public AdapterControl signed(String signerKeyId, String signature) {
        return new AdapterControl(
                schemaVersion, adapterName, action, version, operator, reason, issuedAt, signerKeyId, signature);
    }

    /** The record key on {@link Topics#ADAPTERS}: {@code "<adapterName>/control"}. */
    @JsonIgnore
    public String key() {
        return AdapterKey.control(adapterName).toString();
    }
}
