package dev.engram.node.registry;

import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.PublishedAdapters;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedWorkerKeys;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads one listed adapter version back from {@code engram.adapters} to give its files out (the
 * console's download, {@code engram adapters export}'s twin on the node): the record whose files'
 * checksum this node listed, for the tenant it listed, signed by a worker key it trusts. A version
 * the node refused for its signature or tenant is never given out; one it listed as rejected by
 * the gate is (an operator may want to look at what lost).
 */
final class PublishedVersionReader {

    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaConnection kafka;
    private final TrustedWorkerKeys trusted;

    PublishedVersionReader(KafkaConnection kafka, TrustedWorkerKeys trusted) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.trusted = Objects.requireNonNull(trusted, "trusted");
    }

    /**
     * @param view the adapter as this node lists it
     * @throws UnknownVersionException when the node lists no such version
     * @throws VersionUnavailableException when it is listed but not trusted, or no longer on the topic
     */
    AdapterPublished read(AdapterView view, long version) throws UnknownVersionException, VersionUnavailableException {
        String label = view.name() + " v" + version;
        AdapterVersionView listed = view.versions().stream()
                .filter(v -> v.version() == version)
                .findFirst()
                .orElseThrow(() -> new UnknownVersionException(view.name() + " has no version " + version
                        + " on this node (GET /v1/adapters/" + view.name() + " lists them)"));
        if (listed.payloadSha256() == null || view.tenant() == null) {
            throw new VersionUnavailableException(
                    label + " could not be read when it was published: " + listed.reason());
        }
        // The last record of this version whose files this node listed and a trusted worker signed for
        // the adapter's tenant: a later unsigned or foreign record under the same key does not hide it.
        String sha = listed.payloadSha256();
        String tenant = view.tenant();
        Optional<AdapterPublished> found;
        try {
            found = PublishedAdapters.last(
                    kafka,
                    a -> a.adapterName().equals(view.name())
                            && a.version() == version
                            && a.payloadSha256().equals(sha)
                            && a.tenant().equals(tenant)
                            && AdapterSignature.verify(a, trusted).trusted(),
                    READ_TIMEOUT);
        } catch (RuntimeException e) {
            throw new VersionUnavailableException(
                    "could not read " + label + " back from " + Topics.ADAPTERS + ": " + e.getMessage());
        }
        AdapterPublished adapter = found.orElseThrow(() -> new VersionUnavailableException(label
                + " is not given out: no record of it (payload " + sha + ") signed by a trusted worker key for"
                + " tenant '" + tenant + "' is on " + Topics.ADAPTERS + " (this node lists it as: "
                + listed.reason() + ")"));
        return adapter;
    }
}
