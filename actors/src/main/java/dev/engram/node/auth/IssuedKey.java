package dev.engram.node.auth;

import java.util.Objects;

/**
 * A key just created: its secret, shown this once (the node keeps only its hash), and its
 * description. {@link #toString()} leaves the secret out, so it never reaches a log by accident.
 *
 * @param secret the whole key, {@code egk_<id>_<43 base64url characters>}, to send as
 *     {@code Authorization: Bearer <secret>}
 * @param key what the node stores about it
 */
public record IssuedKey(String secret, ApiKey key) {

    public IssuedKey {
        Objects.requireNonNull(secret, "issuedKey.secret is required");
        Objects.requireNonNull(key, "issuedKey.key is required");
    }

    @Override
    public String toString() {
        return "IssuedKey[" + key + ", secret hidden]";
    }
}
