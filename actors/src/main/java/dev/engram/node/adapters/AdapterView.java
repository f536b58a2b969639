package dev.engram.node.adapters;

import java.time.Instant;
import java.util.List;

/**
 * One adapter as this node sees it: what serves, the operator control in force, every version
 * (newest first) and the records that could not be used ({@code GET /v1/adapters/{name}}).
 *
 * @param name the adapter name
 * @param tenant whose adapter it is (of its newest version)
 * @param serving the label serving the tenant from this adapter, {@code "<name>/v<version>"}, or
 *     {@code "base"} when none of its versions serves
 * @param servingVersion the version serving, or null
 * @param control the operator control in force, or null
 * @param versions every version, newest first
 * @param rejections records of this adapter that were not used (bad checksum, broken JSON...), newest first
 */
public record AdapterView(
        String name,
        String tenant,
        String serving,
        Long servingVersion,
        Control control,
        List<AdapterVersionView> versions,
        List<Rejection> rejections) {

    public AdapterView {
        versions = List.copyOf(versions);
        rejections = List.copyOf(rejections);
    }

    /** The version with this number, if this node has it. */
    public java.util.Optional<AdapterVersionView> version(long version) {
        return versions.stream().filter(v -> v.version() == version).findFirst();
    }

    /**
     * An operator control and whether it is in effect.
     *
     * @param action {@code PIN}, {@code UNPIN} or {@code ROLLBACK}
     * @param version its target version (null for UNPIN)
     * @param operator who asked
     * @param reason why
     * @param issuedAt when
     * @param inEffect whether it decides what serves now
     * @param note why it is not in effect, or how it acts ({@code ""} when nothing to say)
     */
    public record Control(String action, Long version, String operator, String reason, Instant issuedAt,
            boolean inEffect, String note) {}

    /**
     * A record of this adapter that could not be used.
     *
     * @param key its record key
     * @param offset its offset
     * @param reason what was wrong
     */
    public record Rejection(String key, long offset, String reason) {}
}
