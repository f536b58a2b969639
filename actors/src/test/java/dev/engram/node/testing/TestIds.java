package dev.engram.node.testing;

import java.util.UUID;

/** Short random names, so tests sharing the broker never share tenants or groups. */
public final class TestIds {

    private TestIds() {}

    /** {@code prefix} plus 8 random lower-case hex digits: a valid tenant or group id. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
