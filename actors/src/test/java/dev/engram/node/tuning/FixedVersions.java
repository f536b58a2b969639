package dev.engram.node.tuning;

import java.util.Optional;

/** {@link AdapterVersions} set by the test. */
final class FixedVersions implements AdapterVersions {

    volatile Long serving;
    volatile long highest;

    @Override
    public boolean caughtUp() {
        return true;
    }

    @Override
    public Optional<Long> serving(String adapterName) {
        return Optional.ofNullable(serving);
    }

    @Override
    public long highest(String adapterName) {
        return highest;
    }
}
