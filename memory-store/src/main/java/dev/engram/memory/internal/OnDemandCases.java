package dev.engram.memory.internal;

import dev.engram.memory.Case;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;

/**
 * The cases of one recall's candidates, read from its view only when asked for: the ranker orders the
 * candidates by ids, ranks, scores and vectors, and only the cases the recall returns are then read,
 * together and in doc order ({@link #readAll}). A ranker that asks for a candidate's case itself gets
 * it read there and then. Valid only while the view is held: {@link #close} when the recall ends.
 */
public final class OnDemandCases implements AutoCloseable {
    private final IndexReader reader;
    private final Map<String, Integer> docs = new HashMap<>();
    private final Map<String, Case> read = new HashMap<>();
    private boolean closed;

    OnDemandCases(IndexReader reader) {
        this.reader = reader;
    }

    /** Registers the (top-level) doc of a candidate's case. */
    synchronized void add(String caseId, int doc) {
        docs.put(caseId, doc);
    }

    /** The case of a candidate, read now unless {@link #readAll} read it already. */
    public synchronized Case read(String caseId) {
        readAll(List.of(caseId));
        return read.get(caseId);
    }

    /** Reads the cases of these candidates not read yet, leaf by leaf in doc order. */
    public synchronized void readAll(Collection<String> caseIds) {
        if (closed) {
            throw new IllegalStateException("the case of a recall's candidate was asked for after the recall ended;"
                    + " a Ranker must read candidates' cases within rank(...)");
        }
        int[] wanted = caseIds.stream()
                .filter(id -> !read.containsKey(id))
                .mapToInt(id -> {
                    Integer doc = docs.get(id);
                    if (doc == null) {
                        throw new IllegalArgumentException("case " + id + " is not one of this recall's candidates");
                    }
                    return doc;
                })
                .distinct()
                .toArray();
        Arrays.sort(wanted);
        List<LeafReaderContext> leaves = reader.leaves();
        try {
            int i = 0;
            while (i < wanted.length) {
                LeafReaderContext context = leaves.get(ReaderUtil.subIndex(wanted[i], leaves));
                CandidateHits.LeafDocs leaf = new CandidateHits.LeafDocs(context.reader());
                for (;
                        i < wanted.length
                                && wanted[i]
                                        < context.docBase + context.reader().maxDoc();
                        i++) {
                    int doc = wanted[i] - context.docBase;
                    Case c = CaseDocuments.read(leaf.fields(), leaf.counters().at(doc), doc);
                    read.put(c.caseId(), c);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the cases of a recall's candidates: " + e.getMessage(), e);
        }
    }

    /** Ends the recall: the view is about to be released, so no case may be read from it any more. */
    @Override
    public synchronized void close() {
        closed = true;
    }
}
