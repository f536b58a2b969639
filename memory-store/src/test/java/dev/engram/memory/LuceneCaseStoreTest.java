package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Runs {@link LuceneCaseStore} through the {@link CaseStore} contract, plus what only Lucene has. */
class LuceneCaseStoreTest extends CaseStoreContractTest {

    @Override
    protected CaseStore openStore(Path dir, CaseStoreConfig config) {
        return LuceneCaseStore.open(dir, config);
    }

    /**
     * Flushes uncommitted segments to disk, copies the directory as the crash left it, abandons the
     * writer without a commit, and opens the copy.
     */
    @Override
    protected CaseStore crashAndReopen(CaseStore store, Path dir, CaseStoreConfig config) throws Exception {
        Path image = dir.resolveSibling(dir.getFileName() + "-crash-image");
        ((LuceneCaseStore) store).crashForTest(image);
        return LuceneCaseStore.open(image, config);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void vectorsAreWrittenInTheConfiguredFormat(boolean quantized) throws Exception {
        Path dir = tmp.resolve("format-" + quantized);
        try (CaseStore store = open(dir, config(4).withQuantizedVectors(quantized))) {
            store.ingest(episode("a", "acme", "alpha", 0.9), new float[] {1, 2, 3, 4});
            store.commit();
        }
        try (FSDirectory d = FSDirectory.open(dir); DirectoryReader r = DirectoryReader.open(d)) {
            LeafReaderContext leaf = r.leaves().get(0);
            FieldInfo vector = leaf.reader().getFieldInfos().fieldInfo("vector");
            assertThat(vector.getAttribute("PerFieldKnnVectorsFormat.format")).isEqualTo(
                    quantized ? "Lucene99HnswScalarQuantizedVectorsFormat" : "Lucene99HnswVectorsFormat");
        }
    }

    @Test
    void aSecondStoreCannotOpenALockedDirectory() {
        Path dir = tmp.resolve("locked");
        open(dir, config(4));
        assertThatThrownBy(() -> LuceneCaseStore.open(dir, config(4)))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("cannot open the case store");
    }

    @Test
    void theOriginalDirectoryAlsoShowsTheLastCommitAfterTheCrash() throws Exception {
        Path dir = tmp.resolve("crash-same-dir");
        CaseStore store = open(dir, config(4));
        store.ingest(episode("a", "acme", "alpha", 0.9), null);
        store.commit(java.util.Map.of("offset", "1"));
        store.ingest(episode("b", "acme", "beta", 0.9, new Judgement("a", 1, true)), null);
        ((LuceneCaseStore) store).crashForTest(tmp.resolve("unused-image"));
        CaseStore reopened = open(dir, config(4));
        assertThat(reopened.count("acme")).isEqualTo(1);
        assertThat(reopened.get("acme", "a").orElseThrow().timesRecalled()).isZero();
        assertThat(reopened.committedData()).containsEntry("offset", "1");
    }
}
