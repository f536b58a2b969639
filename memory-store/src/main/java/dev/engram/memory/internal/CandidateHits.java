package dev.engram.memory.internal;

import dev.engram.memory.Candidate;
import dev.engram.memory.CandidateLists;
import dev.engram.memory.Case;
import dev.engram.memory.RecallQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.ScoreDoc;

/**
 * The union of a recall's BM25 and vector hits, one per document, in the store's candidate order (BM25
 * order, then the vector-only hits in vector order), and how they become {@link Candidate}s: with
 * their cases ({@link #withCases}), or with only what ranking needs, their cases read on demand
 * ({@link #withCasesOnDemand}). Both read the documents leaf by leaf in doc order, so that each
 * leaf's readers are opened once and stored-field blocks are decompressed once.
 */
final class CandidateHits {
    private final RecallQuery query;
    private final IndexReader reader;
    /** The vector field of the searched generation, or null when vectors were not searched. */
    private final String vectorField;

    private final Map<Integer, Hit> hits = new LinkedHashMap<>();

    /** What the searches said about one doc, then what was read of it. */
    private static final class Hit {
        final int bm25Rank;
        final float bm25Score;
        int vectorRank;
        float vectorScore;
        String caseId;
        Case match;
        float[] vector;

        Hit(int bm25Rank, float bm25Score) {
            this.bm25Rank = bm25Rank;
            this.bm25Score = bm25Score;
        }
    }

    CandidateHits(RecallQuery query, IndexReader reader, String vectorField, ScoreDoc[] bm25, ScoreDoc[] knn) {
        this.query = query;
        this.reader = reader;
        this.vectorField = vectorField;
        for (int i = 0; i < bm25.length; i++) {
            hits.put(bm25[i].doc, new Hit(i + 1, bm25[i].score));
        }
        for (int i = 0; i < knn.length; i++) {
            Hit h = hits.computeIfAbsent(knn[i].doc, d -> new Hit(0, 0f));
            h.vectorRank = i + 1;
            h.vectorScore = knn[i].score;
        }
    }

    /** Every candidate with its case (stored fields and counters) and its vector. */
    CandidateLists withCases() throws IOException {
        readInDocOrder((leaf, doc, h) -> {
            h.match = CaseDocuments.read(leaf.fields(), leaf.counters().at(doc), doc);
            h.caseId = h.match.caseId();
        });
        List<Candidate> out = new ArrayList<>(hits.size());
        for (Hit h : hits.values()) {
            out.add(new Candidate(h.match, h.bm25Rank, h.bm25Score, h.vectorRank, cosine(h), h.vector));
        }
        return new CandidateLists(query, out);
    }

    /**
     * Every candidate with its id (from doc values) and its vector; its case is read by
     * {@code cases} when first asked for. Valid while the view these hits came from is held.
     */
    CandidateLists withCasesOnDemand(OnDemandCases cases) throws IOException {
        readInDocOrder((leaf, doc, h) -> h.caseId = leaf.caseId(doc));
        List<Candidate> out = new ArrayList<>(hits.size());
        for (Map.Entry<Integer, Hit> e : hits.entrySet()) {
            Hit h = e.getValue();
            String id = h.caseId;
            cases.add(id, e.getKey());
            out.add(Candidate.readOnDemand(
                    id, () -> cases.read(id), h.bm25Rank, h.bm25Score, h.vectorRank, cosine(h), h.vector));
        }
        return new CandidateLists(query, out);
    }

    private static double cosine(Hit h) {
        return h.vectorRank > 0 ? UnitVectors.cosineFromScore(h.vectorScore) : 0;
    }

    /** Reads one hit's document; {@code doc} is the leaf's, ascending within a leaf. */
    private interface DocReader {
        void read(LeafDocs leaf, int doc, Hit hit) throws IOException;
    }

    /** Reads each hit (and its vector of {@link #vectorField}, if any) leaf by leaf in doc order. */
    private void readInDocOrder(DocReader read) throws IOException {
        int[] docs = hits.keySet().stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(docs);
        List<LeafReaderContext> leaves = reader.leaves();
        int i = 0;
        while (i < docs.length) {
            LeafReaderContext context = leaves.get(ReaderUtil.subIndex(docs[i], leaves));
            LeafReader r = context.reader();
            LeafDocs leaf = new LeafDocs(r);
            FieldInfo fi = vectorField == null ? null : r.getFieldInfos().fieldInfo(vectorField);
            FloatVectorValues vectors =
                    fi == null || fi.getVectorDimension() == 0 ? null : r.getFloatVectorValues(vectorField);
            for (; i < docs.length && docs[i] < context.docBase + r.maxDoc(); i++) {
                int doc = docs[i] - context.docBase;
                Hit h = hits.get(docs[i]);
                read.read(leaf, doc, h);
                if (vectors != null && vectors.docID() < doc) {
                    vectors.advance(doc);
                }
                if (vectors != null && vectors.docID() == doc) {
                    h.vector = vectors.vectorValue().clone();
                }
            }
        }
    }

    /**
     * One leaf's readers, each opened on first use and then read in ascending doc order: opening them
     * costs more than reading a value, and a recall reads a few hundred documents.
     */
    static final class LeafDocs {
        private static final Set<String> CASE_ID_ONLY = Set.of(CaseDocuments.CASE_ID);

        private final LeafReader leaf;
        private StoredFields fields;
        private CaseDocuments.CounterValues counters;
        private SortedDocValues caseIds;

        LeafDocs(LeafReader leaf) {
            this.leaf = leaf;
        }

        StoredFields fields() throws IOException {
            if (fields == null) {
                fields = leaf.storedFields();
            }
            return fields;
        }

        CaseDocuments.CounterValues counters() throws IOException {
            if (counters == null) {
                counters = CaseDocuments.counterValues(leaf);
            }
            return counters;
        }

        /** The case id of {@code doc} from its sorted doc value; from its stored field when it has none. */
        String caseId(int doc) throws IOException {
            if (caseIds == null) {
                caseIds = leaf.getSortedDocValues(CaseDocuments.CASE_ID_SORT);
            }
            if (caseIds != null && caseIds.advanceExact(doc)) {
                return caseIds.lookupOrd(caseIds.ordValue()).utf8ToString();
            }
            return fields().document(doc, CASE_ID_ONLY).get(CaseDocuments.CASE_ID);
        }
    }
}
