package dev.engram.runtime;

import java.util.Objects;

/**
 * A key just made by {@link EngramClient#createKey}: the secret, which the node shows this once and
 * keeps only as a hash, and its description. {@link #toString()} leaves the secret out.
 *
 * @param key the secret to hand to its holder ({@code EngramClient.builder().apiKey(key)})
 * @param info what the node keeps about it
 */
public record IssuedApiKey(String key, ApiKeyInfo info) {

    public IssuedApiKey {
        Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
        return "IssuedApiKey[" + info + ", key hidden]";
    }
}
