package dev.engram.memory.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.FSDirectory;

/**
 * The Lucene parts of one case index on disk: directory, writer (never commits on close: only an
 * explicit commit makes anything durable) and the near-real-time searcher manager (deletes applied).
 */
public final class CaseIndex implements AutoCloseable {
    private final FSDirectory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final Map<String, String> lastCommitData;

    private CaseIndex(FSDirectory directory, IndexWriter writer) throws IOException {
        this.directory = directory;
        this.writer = writer;
        Map<String, String> data = new LinkedHashMap<>();
        Iterable<Map.Entry<String, String>> live = writer.getLiveCommitData();
        if (live != null) {
            live.forEach(e -> data.put(e.getKey(), e.getValue()));
        }
        this.lastCommitData = Map.copyOf(data);
        if (!DirectoryReader.indexExists(directory)) {
            writer.commit(); // a new index: make the empty state durable so that a crash reopens cleanly
        }
        this.searchers = new SearcherManager(writer, true, false, null);
    }

    /** Opens or creates the index in {@code dir}; fails when another writer holds its lock. */
    public static CaseIndex open(Path dir, Analyzer analyzer, boolean quantizedVectors) throws IOException {
        Files.createDirectories(dir);
        FSDirectory directory = FSDirectory.open(dir);
        try {
            IndexWriterConfig iwc = new IndexWriterConfig(analyzer)
                    .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                    .setCommitOnClose(false)
                    .setRAMBufferSizeMB(64)
                    .setCodec(codec(quantizedVectors));
            return new CaseIndex(directory, new IndexWriter(directory, iwc));
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    /** The default codec, or one whose vectors are int8 scalar-quantized HNSW. */
    private static Codec codec(boolean quantized) {
        if (!quantized) {
            return Codec.getDefault();
        }
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return new Lucene99HnswScalarQuantizedVectorsFormat();
            }
        };
    }

    public IndexWriter writer() {
        return writer;
    }

    /** The data stored with the commit this index was opened at. */
    public Map<String, String> commitDataAtOpen() {
        return lastCommitData;
    }

    public IndexSearcher acquire() throws IOException {
        return searchers.acquire();
    }

    public void release(IndexSearcher searcher) throws IOException {
        searchers.release(searcher);
    }

    /** Makes every write so far visible to searchers acquired from now on. */
    public void refresh() throws IOException {
        searchers.maybeRefreshBlocking();
    }

    /** Durably commits every write so far with {@code data} as the commit's user data. */
    public void commit(Map<String, String> data) throws IOException {
        writer.setLiveCommitData(data.entrySet());
        writer.commit();
    }

    public boolean hasUncommittedChanges() {
        return writer.isOpen() && writer.hasUncommittedChanges();
    }

    /** Discards everything since the last commit and closes the writer (releasing the lock). */
    public void rollback() throws IOException {
        writer.rollback();
    }

    /** Closes without committing (the writer rolls back whatever is uncommitted). */
    @Override
    public void close() throws IOException {
        try {
            searchers.close();
        } finally {
            try {
                if (writer.isOpen()) {
                    writer.close();
                }
            } finally {
                directory.close();
            }
        }
    }
}
