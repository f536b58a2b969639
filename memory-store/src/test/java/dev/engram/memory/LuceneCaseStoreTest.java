package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.memory.internal.CaseIndex;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs {@link LuceneCaseStore} through the {@link CaseStore} contract, plus what only Lucene has. */
class LuceneCaseStoreTest extends CaseStoreContractTest {
    /** The index under each store this test opened, held here so that a test can crash it. */
    private final Map<CaseStore, CaseIndex> indexes = new IdentityHashMap<>();

    @Override
    protected CaseStore openStore(Path dir, CaseStoreConfig config) {
        CaseIndex index = LuceneCaseStore.openIndex(dir, config);
        LuceneCaseStore store = new LuceneCaseStore(dir, config, index);
        indexes.put(store, index);
        return store;
    }

    @Override
    protected CaseStore crashAndReopen(CaseStore store, Path dir, CaseStoreConfig config) throws Exception {
        Path image = dir.resolveSibling(dir.getFileName() + "-crash-image");
        crash(store, dir, image);
        return openStore(image, config);
    }

    /**
     * Simulates a process crash honestly: flushes the pending segments to disk without committing,
     * copies the directory as it stands (commit point and uncommitted segment files, as a killed
     * process leaves them) to {@code image}, then abandons the writer with {@code IndexWriter.rollback()},
     * so that neither a commit nor a close-time commit happens (the original directory then also holds
     * exactly the last commit). Open either directory to see what survived.
     */
    private void crash(CaseStore store, Path dir, Path image) throws IOException {
        CaseIndex index = indexes.get(store);
        index.writer().flush();
        Files.createDirectories(image);
        try (FSDirectory source = FSDirectory.open(dir);
                FSDirectory target = FSDirectory.open(image)) {
            for (String file : source.listAll()) {
                if (file.equals(IndexWriter.WRITE_LOCK_NAME)) {
                    continue;
                }
                try {
                    target.copyFrom(source, file, file, IOContext.DEFAULT);
                } catch (NoSuchFileException | FileNotFoundException gone) {
                    // deleted by a concurrent merge while we copied: a real crash could miss it just the same
                }
            }
        }
        index.rollback();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void vectorsAreWrittenInTheConfiguredFormat(boolean quantized) throws Exception {
        Path dir = tmp.resolve("format-" + quantized);
        try (CaseStore store = open(dir, config(4).withQuantizedVectors(quantized))) {
            store.ingest(episode("a", "acme", "alpha", 0.9), new float[] {1, 2, 3, 4});
            store.commit();
        }
        try (FSDirectory d = FSDirectory.open(dir);
                DirectoryReader r = DirectoryReader.open(d)) {
            LeafReaderContext leaf = r.leaves().get(0);
            FieldInfo vector = leaf.reader().getFieldInfos().fieldInfo("vector");
            assertThat(vector.getAttribute("PerFieldKnnVectorsFormat.format"))
                    .isEqualTo(quantized ? "Lucene99HnswScalarQuantizedVectorsFormat" : "Lucene99HnswVectorsFormat");
        }
    }

    @Test
    void aSecondStoreCannotOpenALockedDirectory() {
        Path dir = tmp.resolve("locked");
        open(dir, config(4));
        assertThatThrownBy(() -> LuceneCaseStore.open(dir, config(4)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot open the case store");
    }

    @Test
    void theOriginalDirectoryAlsoShowsTheLastCommitAfterTheCrash() throws Exception {
        Path dir = tmp.resolve("crash-same-dir");
        CaseStore store = open(dir, config(4));
        store.ingest(episode("a", "acme", "alpha", 0.9), null);
        store.commit(Map.of("offset", "1"));
        store.ingest(episode("b", "acme", "beta", 0.9, new Judgement("a", 1, true)), null);
        crash(store, dir, tmp.resolve("unused-image"));
        CaseStore reopened = open(dir, config(4));
        assertThat(reopened.count("acme")).isEqualTo(1);
        assertThat(reopened.get("acme", "a").orElseThrow().timesRecalled()).isZero();
        assertThat(reopened.committedData()).containsEntry("offset", "1");
    }
}
