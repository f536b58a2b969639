package dev.engram.memory.internal;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.Case;
import dev.engram.memory.RecallQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.QueryBuilder;

/**
 * The only code that reads cases out of the index. Every method takes a tenant, and every query it
 * runs carries a {@code FILTER} clause on that tenant (for kNN: the tenant is the pre-filter), or
 * looks a case up by its key, which contains the tenant; BM25 and kNN leave the filter out only on a
 * view whose every document is the tenant's (see {@code holdsOnly}). There is no method without a tenant, so
 * no caller can search across tenants.
 */
public final class TenantScopedSearcher {
    private final IndexSearcher searcher;
    private final QueryBuilder queryBuilder;

    public TenantScopedSearcher(IndexSearcher searcher, QueryBuilder queryBuilder) {
        this.searcher = searcher;
        this.queryBuilder = queryBuilder;
    }

    private static Query tenantFilter(String tenant) {
        return new TermQuery(new Term(CaseDocuments.TENANT, tenant));
    }

    /** Wraps {@code query} so that it matches only the tenant's cases; the scores stay the query's. */
    private static Query withinTenant(String tenant, Query query) {
        return new BooleanQuery.Builder()
                .add(query, BooleanClause.Occur.MUST)
                .add(tenantFilter(tenant), BooleanClause.Occur.FILTER)
                .build();
    }

    /** BM25 over the case text (EnglishAnalyzer: stopwords, Porter stemming); empty when the text has no terms. */
    public ScoreDoc[] bm25(String tenant, String text, int depth) throws IOException {
        Query terms = queryBuilder.createBooleanQuery(CaseDocuments.TEXT, text);
        if (terms == null) {
            return new ScoreDoc[0];
        }
        Query scoped = holdsOnly(tenant) ? terms : withinTenant(tenant, terms);
        return searcher.search(scoped, depth).scoreDocs;
    }

    /**
     * True when every document in this point-in-time view belongs to {@code tenant}, so the tenant
     * FILTER is provably redundant. The filter costs ~2× CPU in BM25 because Lucene's fast
     * disjunction path (MaxScore) is not used once a filter is attached; single-tenant stores skip it.
     * Deleted documents count in {@code docFreq}, so any deletion keeps the filter on.
     */
    private boolean holdsOnly(String tenant) throws IOException {
        var reader = searcher.getIndexReader();
        return reader.maxDoc() > 0
                && !reader.hasDeletions()
                && reader.docFreq(new Term(CaseDocuments.TENANT, tenant)) == reader.maxDoc();
    }

    /**
     * HNSW kNN on the unit case vectors of one generation (dot product), pre-filtered to the tenant
     * unless {@link #holdsOnly} the tenant: a filter that accepts every document finds the same
     * neighbours, but costs a bit set of the whole index per segment on every query.
     */
    public ScoreDoc[] knn(String tenant, int generation, float[] unitVector, int depth) throws IOException {
        Query filter = holdsOnly(tenant) ? null : tenantFilter(tenant);
        Query knn = new KnnFloatVectorQuery(VectorGenerations.field(generation), unitVector, depth, filter);
        return searcher.search(knn, depth).scoreDocs;
    }

    /**
     * The first stage of a recall: BM25 when the query's mode has it, kNN on the unit vectors of
     * {@code generation} when it has vectors, each to the query's depth; one candidate per case, in BM25
     * order, then the vector-only cases in vector order. Each carries its case and, when vectors were
     * searched, its unit vector of that generation (or none).
     */
    public CandidateLists candidates(RecallQuery q, float[] unitVector, int generation) throws IOException {
        return search(q, unitVector, generation).withCases();
    }

    /**
     * The same candidates as {@link #candidates}, each with its id and vector but its case read by
     * {@code cases} only when asked for (see {@link OnDemandCases}); {@code cases} must come from
     * {@link #onDemandCases()} of this view.
     */
    public CandidateLists candidatesWithCasesOnDemand(
            RecallQuery q, float[] unitVector, int generation, OnDemandCases cases) throws IOException {
        return search(q, unitVector, generation).withCasesOnDemand(cases);
    }

    /** A reader of candidates' cases from this view, for {@link #candidatesWithCasesOnDemand}. */
    public OnDemandCases onDemandCases() {
        return new OnDemandCases(searcher.getIndexReader());
    }

    private CandidateHits search(RecallQuery q, float[] unitVector, int generation) throws IOException {
        ScoreDoc[] bm25 = q.mode().usesBm25() ? bm25(q.tenant(), q.text(), q.depth()) : new ScoreDoc[0];
        ScoreDoc[] knn = q.mode().usesVector() ? knn(q.tenant(), generation, unitVector, q.depth()) : new ScoreDoc[0];
        return new CandidateHits(
                q,
                searcher.getIndexReader(),
                q.mode().usesVector() ? VectorGenerations.field(generation) : null,
                bm25,
                knn);
    }

    /** The tenant's cases with a vector in generation {@code with} and none in {@code without} (-1: no condition). */
    private static Query vectorsIn(String tenant, int with, int without) {
        BooleanQuery.Builder b = new BooleanQuery.Builder()
                .add(new FieldExistsQuery(VectorGenerations.field(with)), BooleanClause.Occur.FILTER)
                .add(tenantFilter(tenant), BooleanClause.Occur.FILTER);
        if (without >= 0) {
            b.add(new FieldExistsQuery(VectorGenerations.field(without)), BooleanClause.Occur.MUST_NOT);
        }
        return b.build();
    }

    /** How many of the tenant's cases have a vector in generation {@code with} but none in {@code without} (-1: no condition). */
    public long countWithVectorOnlyIn(String tenant, int with, int without) throws IOException {
        return searcher.count(vectorsIn(tenant, with, without));
    }

    /** Up to {@code limit} ids, ascending, of the tenant's cases with a vector in {@code with} but none in {@code without}. */
    public List<String> caseIdsWithVectorOnlyIn(String tenant, int with, int without, int limit) throws IOException {
        Sort byId = new Sort(new SortField(CaseDocuments.CASE_ID_SORT, SortField.Type.STRING));
        ScoreDoc[] hits = searcher.search(vectorsIn(tenant, with, without), limit, byId).scoreDocs;
        List<String> out = new ArrayList<>(hits.length);
        for (ScoreDoc sd : hits) {
            out.add(read(sd.doc).caseId());
        }
        return out;
    }

    /** How many of the tenant's cases have a vector in generation {@code generation}. */
    public long countWithVector(String tenant, int generation) throws IOException {
        return countWithVectorOnlyIn(tenant, generation, -1);
    }

    /** Up to {@code limit} of the tenant's cases, ascending by id, that have no vector in generation {@code generation}. */
    public List<Case> withoutVector(String tenant, int generation, int limit) throws IOException {
        Query q = new BooleanQuery.Builder()
                .add(tenantFilter(tenant), BooleanClause.Occur.FILTER)
                .add(new FieldExistsQuery(VectorGenerations.field(generation)), BooleanClause.Occur.MUST_NOT)
                .build();
        Sort byId = new Sort(new SortField(CaseDocuments.CASE_ID_SORT, SortField.Type.STRING));
        ScoreDoc[] hits = searcher.search(q, limit, byId).scoreDocs;
        List<Case> out = new ArrayList<>(hits.length);
        for (ScoreDoc sd : hits) {
            out.add(read(sd.doc));
        }
        return out;
    }

    /** The case with its counters and its vectors of the given generations (those it has), if any. */
    public Optional<StoredCase> stored(String tenant, String caseId, Collection<Integer> generations)
            throws IOException {
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            LeafReader r = leaf.reader();
            int doc = liveDocOfKey(r, CaseDocuments.key(tenant, caseId));
            if (doc != DocIdSetIterator.NO_MORE_DOCS) {
                Map<Integer, float[]> vectors = new HashMap<>();
                for (int g : generations) {
                    String field = VectorGenerations.field(g);
                    FieldInfo fi = r.getFieldInfos().fieldInfo(field);
                    FloatVectorValues values =
                            fi == null || fi.getVectorDimension() == 0 ? null : r.getFloatVectorValues(field);
                    if (values != null && values.advance(doc) == doc) {
                        vectors.put(g, values.vectorValue().clone());
                    }
                }
                return Optional.of(new StoredCase(CaseDocuments.read(r, doc), CaseDocuments.counters(r, doc), vectors));
            }
        }
        return Optional.empty();
    }

    /** The highest vector generation this view has a field for. */
    public int highestVectorGeneration() {
        return VectorGenerations.highestInIndex(searcher.getIndexReader());
    }

    public long count(String tenant) throws IOException {
        return searcher.count(tenantFilter(tenant));
    }

    /** Every tenant with at least one case, in ascending order. */
    public List<String> tenants() throws IOException {
        List<String> out = new ArrayList<>();
        Terms terms = org.apache.lucene.index.MultiTerms.getTerms(searcher.getIndexReader(), CaseDocuments.TENANT);
        if (terms == null) {
            return out;
        }
        TermsEnum it = terms.iterator();
        for (org.apache.lucene.util.BytesRef term = it.next(); term != null; term = it.next()) {
            String tenant = term.utf8ToString();
            // the terms dictionary still holds a tenant whose cases were all deleted until a merge
            if (count(tenant) > 0) {
                out.add(tenant);
            }
        }
        return out;
    }

    /** The tenant's cases with id after {@code afterCaseId} (null: from the start), ascending by id. */
    public List<Case> page(String tenant, String afterCaseId, int limit) throws IOException {
        Query range = new TermRangeQuery(
                CaseDocuments.CASE_ID, afterCaseId == null ? null : new BytesRef(afterCaseId), null, false, true);
        Sort byId = new Sort(new SortField(CaseDocuments.CASE_ID_SORT, SortField.Type.STRING));
        ScoreDoc[] hits = searcher.search(withinTenant(tenant, range), limit, byId).scoreDocs;
        List<Case> out = new ArrayList<>(hits.length);
        for (ScoreDoc sd : hits) {
            out.add(read(sd.doc));
        }
        return out;
    }

    /** Reads a case by a doc id that one of this searcher's tenant-filtered queries returned. */
    public Case read(int doc) throws IOException {
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        return CaseDocuments.read(leaf.reader(), doc - leaf.docBase);
    }

    public Optional<Case> get(String tenant, String caseId) throws IOException {
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            int doc = liveDocOfKey(leaf.reader(), CaseDocuments.key(tenant, caseId));
            if (doc != DocIdSetIterator.NO_MORE_DOCS) {
                return Optional.of(CaseDocuments.read(leaf.reader(), doc));
            }
        }
        return Optional.empty();
    }

    /** The counters of the tenant's case, or null when the case is not in this searcher's view. */
    public CaseCounters counters(String tenant, String caseId) throws IOException {
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            int doc = liveDocOfKey(leaf.reader(), CaseDocuments.key(tenant, caseId));
            if (doc != DocIdSetIterator.NO_MORE_DOCS) {
                return CaseDocuments.counters(leaf.reader(), doc);
            }
        }
        return null;
    }

    private static int liveDocOfKey(LeafReader leaf, String key) throws IOException {
        Terms terms = leaf.terms(CaseDocuments.KEY);
        if (terms == null) {
            return DocIdSetIterator.NO_MORE_DOCS;
        }
        TermsEnum te = terms.iterator();
        if (!te.seekExact(new BytesRef(key))) {
            return DocIdSetIterator.NO_MORE_DOCS;
        }
        Bits live = leaf.getLiveDocs();
        PostingsEnum postings = te.postings(null, PostingsEnum.NONE);
        for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
            if (live == null || live.get(doc)) {
                return doc;
            }
        }
        return DocIdSetIterator.NO_MORE_DOCS;
    }
}
