package dev.engram.node.registry;

import dev.engram.streams.AdapterPublished;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.PublishedAdapters;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads one adapter version back from {@code engram.adapters} when the node has removed its files
 * from disk (it keeps only the newest few, see {@code NodeConfig.adapterVersionsKept}) and an
 * operator pins or rolls back to it. The topic is the source of truth, so nothing is lost by
 * removing them; this costs one read of the (compacted) topic, which a pin to an old version can
 * afford.
 */
final class AdapterRefetch {

    private AdapterRefetch() {}

    /**
     * The version's record with the given payload checksum, read from the beginning of the topic.
     *
     * @throws AdapterLoader.Unusable when it is not on the topic any more or not found within {@code timeout}
     */
    static AdapterPublished read(
            KafkaConnection kafka, String name, long version, String payloadSha256, Duration timeout)
            throws AdapterLoader.Unusable {
        Optional<AdapterPublished> found;
        try {
            found = PublishedAdapters.last(
                    kafka,
                    a -> a.adapterName().equals(name)
                            && a.version() == version
                            && a.payloadSha256().equals(payloadSha256),
                    timeout);
        } catch (RuntimeException e) {
            throw new AdapterLoader.Unusable(
                    "could not read " + name + " v" + version + " back from " + Topics.ADAPTERS + ": " + e.getMessage(),
                    e);
        }
        return found.orElseThrow(() -> new AdapterLoader.Unusable(
                name + " v" + version + " (payload " + payloadSha256
                        + ") is no longer on " + Topics.ADAPTERS
                        + " and its files were removed from this node; publish it "
                        + "again to serve it",
                null));
    }
}
