package dev.engram.memory.internal;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;

/**
 * Vector generations: a tenant's case vectors live in one named vector field per generation
 * ({@code vector} for generation 0, {@code vector_g<N>} after re-embeddings). The active generation
 * of each tenant (0 unless a re-embedding switched it) is stored in the Lucene commit user data
 * under {@link #COMMIT_KEY_PREFIX} + tenant, next to the caller's commit data but hidden from it.
 */
public final class VectorGenerations {
    public static final String COMMIT_KEY_PREFIX = "engram.memory.active-vector-generation:";
    private static final String FIELD_PREFIX = CaseDocuments.VECTOR + "_g";

    private VectorGenerations() {}

    /** The vector field of a generation. */
    public static String field(int generation) {
        if (generation < 0) {
            throw new IllegalArgumentException("generation must be >= 0, was " + generation);
        }
        return generation == 0 ? CaseDocuments.VECTOR : FIELD_PREFIX + generation;
    }

    /** The generation of a vector field name, or -1 when it is none. */
    static int generationOf(String field) {
        if (field.equals(CaseDocuments.VECTOR)) {
            return 0;
        }
        if (!field.startsWith(FIELD_PREFIX)) {
            return -1;
        }
        try {
            return Integer.parseInt(field.substring(FIELD_PREFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The active generations stored in commit user data (tenants at generation 0 are absent). */
    public static Map<String, Integer> fromCommitData(Map<String, String> data) {
        Map<String, Integer> out = new HashMap<>();
        data.forEach((k, v) -> {
            if (k.startsWith(COMMIT_KEY_PREFIX)) {
                out.put(k.substring(COMMIT_KEY_PREFIX.length()), Integer.parseInt(v));
            }
        });
        return Map.copyOf(out);
    }

    /** The caller's part of commit user data (without the generation entries). */
    public static Map<String, String> withoutGenerations(Map<String, String> data) {
        Map<String, String> out = new LinkedHashMap<>();
        data.forEach((k, v) -> {
            if (!k.startsWith(COMMIT_KEY_PREFIX)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The caller's commit data plus the active generations, as stored in a commit. */
    public static Map<String, String> withGenerations(Map<String, String> callerData, Map<String, Integer> active) {
        Map<String, String> out = withoutGenerations(callerData);
        active.forEach((tenant, g) -> {
            if (g != 0) {
                out.put(COMMIT_KEY_PREFIX + tenant, Integer.toString(g));
            }
        });
        return out;
    }

    /** The highest generation any document in this view has a vector field for (0 when none). */
    public static int highestInIndex(IndexReader reader) {
        int max = 0;
        for (LeafReaderContext leaf : reader.leaves()) {
            for (FieldInfo fi : leaf.reader().getFieldInfos()) {
                if (fi.getVectorDimension() > 0) {
                    max = Math.max(max, generationOf(fi.name));
                }
            }
        }
        return max;
    }
}
