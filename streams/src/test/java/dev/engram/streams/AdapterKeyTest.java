package dev.engram.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdapterKeyTest {

    @Test
    void formatsEachKindAsTheTopicLayoutSays() {
        assertThat(AdapterKey.version("acme-retriever", 3)).hasToString("acme-retriever/v3");
        assertThat(AdapterKey.chunk("acme-retriever", 3, 0)).hasToString("acme-retriever/v3/chunk-0");
        assertThat(AdapterKey.control("acme-retriever")).hasToString("acme-retriever/control");
    }

    @Test
    void parsesWhatItFormats() {
        for (AdapterKey key : new AdapterKey[] {
            AdapterKey.version("a.b_c-1", 123456789012L),
            AdapterKey.chunk("acme-retriever", 7, 41),
            AdapterKey.control("acme-retriever")
        }) {
            assertThat(AdapterKey.parse(key.toString())).isEqualTo(key);
        }
        AdapterKey chunk = AdapterKey.parse("acme-retriever/v3/chunk-12");
        assertThat(chunk.kind()).isEqualTo(AdapterKey.Kind.CHUNK);
        assertThat(chunk.adapterName()).isEqualTo("acme-retriever");
        assertThat(chunk.version()).isEqualTo(3);
        assertThat(chunk.chunk()).isEqualTo(12);
        assertThat(chunk.versionKey()).isEqualTo(AdapterKey.version("acme-retriever", 3));
        assertThat(AdapterKey.parse("acme-retriever/control").kind()).isEqualTo(AdapterKey.Kind.CONTROL);
    }

    @Test
    void theKeysOfPublishedRecordsAreAdapterKeys() {
        AdapterControl pin = AdapterControl.pin("acme-retriever", 2, "ana", "", java.time.Instant.EPOCH);
        assertThat(pin.key()).isEqualTo(AdapterKey.control("acme-retriever").toString());
    }

    @Test
    void rejectsKeysOutsideTheLayoutSayingWhy() {
        assertRejected(null, "is missing");
        assertRejected("acme-retriever", "does not fit the layout of engram.adapters");
        assertRejected("acme-retriever/v", "does not fit the layout");
        assertRejected("acme-retriever/v3/chunk-", "does not fit the layout");
        assertRejected("acme-retriever/v3/part-1", "does not fit the layout");
        assertRejected("acme-retriever/control/x", "does not fit the layout");
        assertRejected("acme/job-1/chunk-0", "does not fit the layout");
        assertRejected("Acme/v3", "the adapter name must be");
        assertRejected("/v3", "the adapter name must be");
        assertRejected("acme/v0", "the version must be >= 1, was 0");
        assertRejected("acme/v03", "the version must be written without leading zeros, was 03");
        assertRejected("acme/v3/chunk-007", "the chunk index must be written without leading zeros");
        assertThat(AdapterKey.tryParse("acme/job-1/chunk-0")).isEmpty();
        assertThat(AdapterKey.tryParse(null)).isEmpty();
        assertThat(AdapterKey.tryParse("acme/v3")).contains(AdapterKey.version("acme", 3));
    }

    @Test
    void aControlKeyBelongsToNoVersion() {
        assertThatThrownBy(() -> AdapterKey.control("acme").versionKey())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("acme/control");
    }

    private static void assertRejected(String key, String reasonPart) {
        assertThatThrownBy(() -> AdapterKey.parse(key)).isInstanceOfSatisfying(InvalidEventException.class, e -> {
            assertThat(e.field()).isEqualTo("key");
            assertThat(e.reason()).contains(reasonPart);
        });
    }
}
