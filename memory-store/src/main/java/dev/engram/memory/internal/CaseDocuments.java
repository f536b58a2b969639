package dev.engram.memory.internal;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.BytesRef;

/**
 * The layout of a case in the index: one document per case, keyed by (tenant, caseId). Text and
 * identity are stored fields; the statistics are numeric doc values so that judgements update them
 * in place ({@code IndexWriter.updateDocValues}) without rewriting the document.
 */
public final class CaseDocuments {
    /** tenant + NUL + caseId; the unique key of a case and of the episode that created it. */
    public static final String KEY = "key";

    public static final String TENANT = "tenant";
    public static final String CASE_ID = "case_id";
    public static final String CASE_ID_SORT = "case_id_sort";
    public static final String AGENT_ID = "agent_id";
    public static final String TASK = "task";
    public static final String PLAN = "plan";
    public static final String OUTCOME = "outcome";
    /** Analysed case text (task, plan, outcome) for BM25; not stored. */
    public static final String TEXT = "text";

    public static final String REWARD = "reward";
    public static final String CREATED_MS = "created_ms";
    public static final String UPDATED_MS = "updated_ms";
    public static final String TIMES_RECALLED = "times_recalled";
    public static final String TIMES_USEFUL = "times_useful";
    /** The vector field of generation 0; later generations: {@link VectorGenerations#field(int)}. */
    public static final String VECTOR = "vector";

    private CaseDocuments() {}

    public static String key(String tenant, String caseId) {
        return tenant + '\u0000' + caseId;
    }

    public static Term keyTerm(String tenant, String caseId) {
        return new Term(KEY, key(tenant, caseId));
    }

    /** Rejects ids that would break the key's separator. */
    public static void checkId(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required and must not be blank");
        }
        if (value.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException(field + " must not contain the NUL character");
        }
    }

    /** The document of a new case, its vector (if any) in the given generation. */
    public static Document of(Episode e, int generation, float[] unitVector) {
        long created = e.timestamp().toEpochMilli();
        return of(
                e.eventId(),
                e.tenant(),
                e.agentId(),
                e.task(),
                e.plan(),
                e.outcome(),
                e.reward(),
                created,
                CaseCounters.initial(created),
                unitVector == null ? Map.of() : Map.of(generation, unitVector));
    }

    /** The document of an existing case with these counters and these unit vectors by generation. */
    public static Document of(Case c, CaseCounters counters, Map<Integer, float[]> unitVectorsByGeneration) {
        return of(
                c.caseId(),
                c.tenant(),
                c.agentId(),
                c.task(),
                c.plan(),
                c.outcome(),
                c.reward(),
                c.createdAt().toEpochMilli(),
                counters,
                unitVectorsByGeneration);
    }

    private static Document of(
            String caseId,
            String tenant,
            String agentId,
            String task,
            String plan,
            String outcome,
            double reward,
            long createdMs,
            CaseCounters counters,
            Map<Integer, float[]> vectors) {
        Document d = new Document();
        d.add(new StringField(KEY, key(tenant, caseId), Field.Store.NO));
        d.add(new StringField(TENANT, tenant, Field.Store.YES));
        d.add(new StringField(CASE_ID, caseId, Field.Store.YES));
        d.add(new SortedDocValuesField(CASE_ID_SORT, new BytesRef(caseId)));
        d.add(new StoredField(AGENT_ID, agentId));
        d.add(new StoredField(TASK, task));
        d.add(new StoredField(PLAN, plan));
        d.add(new StoredField(OUTCOME, outcome));
        d.add(new TextField(TEXT, Case.text(task, plan, outcome), Field.Store.NO));
        d.add(new StoredField(REWARD, reward));
        d.add(new StoredField(CREATED_MS, createdMs));
        for (Field f : counterFields(counters)) {
            d.add(f);
        }
        vectors.forEach((generation, v) -> d.add(
                new KnnFloatVectorField(VectorGenerations.field(generation), v, VectorSimilarityFunction.DOT_PRODUCT)));
        return d;
    }

    /** The doc-values fields that carry the counters, for {@code IndexWriter.updateDocValues}. */
    public static Field[] counterFields(CaseCounters c) {
        return new Field[] {
            new NumericDocValuesField(TIMES_RECALLED, c.timesRecalled()),
            new NumericDocValuesField(TIMES_USEFUL, c.timesUseful()),
            new NumericDocValuesField(UPDATED_MS, c.updatedAtMillis())
        };
    }

    /** Reads the counters of a document of a leaf. */
    public static CaseCounters counters(LeafReader leaf, int doc) throws IOException {
        return new CaseCounters(
                numeric(leaf, TIMES_RECALLED, doc), numeric(leaf, TIMES_USEFUL, doc), numeric(leaf, UPDATED_MS, doc));
    }

    /** Reads the case of a document of a leaf. */
    public static Case read(LeafReader leaf, int doc) throws IOException {
        return read(leaf, leaf.storedFields(), doc);
    }

    /** Reads the case of a document of a leaf through {@code fields} (reuse it for neighbouring docs: it keeps its block). */
    public static Case read(LeafReader leaf, StoredFields fields, int doc) throws IOException {
        return read(fields, counters(leaf, doc), doc);
    }

    /**
     * The counters of one leaf's documents read in ascending doc order through one set of doc-values
     * iterators: opening them costs more than reading a value, and a recall reads a few hundred cases.
     */
    public static final class CounterValues {
        private final NumericDocValues recalled;
        private final NumericDocValues useful;
        private final NumericDocValues updated;

        private CounterValues(LeafReader leaf) throws IOException {
            recalled = leaf.getNumericDocValues(TIMES_RECALLED);
            useful = leaf.getNumericDocValues(TIMES_USEFUL);
            updated = leaf.getNumericDocValues(UPDATED_MS);
        }

        /** The counters of {@code doc}, which must be greater than the doc of the previous call. */
        public CaseCounters at(int doc) throws IOException {
            return new CaseCounters(
                    value(recalled, TIMES_RECALLED, doc),
                    value(useful, TIMES_USEFUL, doc),
                    value(updated, UPDATED_MS, doc));
        }
    }

    /** Counter readers for a leaf's documents in ascending order. */
    public static CounterValues counterValues(LeafReader leaf) throws IOException {
        return new CounterValues(leaf);
    }

    /** Reads the case of a document whose counters were read already. */
    public static Case read(StoredFields fields, CaseCounters c, int doc) throws IOException {
        Document d = fields.document(doc);
        return new Case(
                d.get(CASE_ID),
                d.get(TENANT),
                d.get(AGENT_ID),
                d.get(TASK),
                d.get(PLAN),
                d.get(OUTCOME),
                d.getField(REWARD).numericValue().doubleValue(),
                Instant.ofEpochMilli(d.getField(CREATED_MS).numericValue().longValue()),
                Instant.ofEpochMilli(c.updatedAtMillis()),
                c.timesRecalled(),
                c.timesUseful());
    }

    private static long numeric(LeafReader leaf, String field, int doc) throws IOException {
        return value(leaf.getNumericDocValues(field), field, doc);
    }

    private static long value(NumericDocValues dv, String field, int doc) throws IOException {
        if (dv == null || !dv.advanceExact(doc)) {
            throw new IllegalStateException("case document " + doc + " has no '" + field
                    + "' doc value; the index was not written by this store version");
        }
        return dv.longValue();
    }
}
