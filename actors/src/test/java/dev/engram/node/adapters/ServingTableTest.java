package dev.engram.node.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.Embedder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The swap is atomic for readers, and an adapter is freed only after its last recall. */
class ServingTableTest {

    private final ServingTable table = new ServingTable();

    private static ServingAdapter adapter(long version, AtomicInteger frees) {
        return new ServingAdapter("acme", "acme-retriever", version, new FixedEmbedder(version), frees::incrementAndGet);
    }

    @Test
    void aRecallInFlightKeepsItsAdapterUntilItEndsAndNewRecallsGetTheNewOne() {
        AtomicInteger frees = new AtomicInteger();
        ServingAdapter v1 = adapter(1, frees);
        table.swap("acme", v1);
        ServingTable.Lease inFlight = table.lease("acme");
        table.swap("acme", adapter(2, frees));
        assertThat(inFlight.label()).isEqualTo("acme-retriever/v1");
        assertThat(inFlight.adapter().closed()).isFalse();
        assertThat(frees).hasValue(0);
        try (ServingTable.Lease next = table.lease("acme")) {
            assertThat(next.label()).isEqualTo("acme-retriever/v2");
        }
        inFlight.close();
        inFlight.close();
        assertThat(frees).as("freed once, after the last recall").hasValue(1);
        assertThat(v1.closed()).isTrue();
    }

    @Test
    void withoutAnAdapterTheBaseServesAndSwapsAreObserved() {
        Embedder base = new FixedEmbedder(0);
        try (ServingTable.Lease lease = table.lease("acme")) {
            assertThat(lease.label()).isEqualTo("base");
            assertThat(lease.embedderOr(base)).isSameAs(base);
        }
        List<ServingTable.Swap> swaps = new ArrayList<>();
        table.onSwap(swaps::add);
        AtomicInteger frees = new AtomicInteger();
        table.swap("acme", adapter(1, frees));
        table.swap("acme", null);
        assertThat(swaps).extracting(ServingTable.Swap::next).containsExactly("acme-retriever/v1", "base");
        assertThat(frees).hasValue(1);
        assertThat(table.label("acme")).isEqualTo("base");
    }

    @Test
    void readersNeverSeeAFreedAdapterUnderConcurrentSwaps() throws Exception {
        AtomicInteger frees = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        table.swap("acme", adapter(1, frees));
        Thread[] readers = new Thread[2];
        for (int t = 0; t < readers.length; t++) {
            readers[t] = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    try (ServingTable.Lease lease = table.lease("acme")) {
                        if (lease.adapter() == null || lease.adapter().closed()) {
                            failures.incrementAndGet();
                        }
                    }
                }
            });
            readers[t].start();
        }
        for (long v = 2; v <= 2_000; v++) {
            table.swap("acme", adapter(v, frees));
        }
        for (Thread r : readers) {
            r.join(60_000);
        }
        assertThat(failures).hasValue(0);
        assertThat(frees).hasValue(1_999);
    }

    /** A constant unit vector. */
    private record FixedEmbedder(long version) implements Embedder {
        @Override
        public String modelId() {
            return "fixed-" + version;
        }

        @Override
        public int dimension() {
            return 2;
        }

        @Override
        public float[] embedQuery(String text) {
            return new float[] {1, 0};
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            return texts.stream().map(this::embedQuery).toList();
        }
    }
}
