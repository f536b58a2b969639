package dev.engram.retriever.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the Cranfield collection that ships on the classpath under {@value #RESOURCE_DIR}: 1,400
 * aeronautics abstracts, 225 queries and 1,612 graded judgements.
 *
 * <p>The collection's quirks, and what this loader does about them:
 * <ul>
 *   <li><b>Query ids.</b> {@code cran.qry} numbers its queries 001, 002, 004, 008, … (not
 *       consecutive), while {@code cranqrel} numbers them by position, 1..225. A {@link Query}'s id
 *       is its position ({@code "1"} .. {@code "225"}), so that it matches the judgements.</li>
 *   <li><b>Grades.</b> {@code cranqrel} grades 1 (most relevant: a complete answer) … 4 (least: of
 *       minimum interest). They become gains {@code 5 - grade}: 1→4, 2→3, 3→2, 4→1
 *       ({@link #gainOfGrade(int)}); every graded document counts as relevant for recall and MRR.</li>
 *   <li><b>−1 rows.</b> Each query has one row graded −1: the paper the question was written from,
 *       which was not judged. These rows are left out.</li>
 *   <li><b>Damaged records.</b> Documents 576 and 578 run on into text from other records, with
 *       a second {@code .W} (and, in 576, a stray author line); document 240 has stray {@code .A}
 *       and {@code .B} lines inside its abstract. Once a record's {@code .W} (abstract) has begun,
 *       further field markers are dropped and the lines after them stay in the abstract: the text
 *       is kept as the collection has it, which is what every published Cranfield figure used.
 *       Documents 471 and 995 are empty in the source (query 125 even judges 995); they load with an
 *       empty title and text, so that ids stay 1..1400.</li>
 * </ul>
 *
 * <pre>{@code
 * EvalDataset cranfield = CranfieldLoader.load();
 * Map<String, Integer> gains = cranfield.qrels().judged("1");  // {"184"=3, "29"=3, "31"=3, ...}
 * }</pre>
 */
public final class CranfieldLoader {

    /** The classpath folder of {@code cran.all.1400}, {@code cran.qry} and {@code cranqrel}. */
    public static final String RESOURCE_DIR = "datasets/cranfield/";

    private static final Pattern ID_LINE = Pattern.compile("^\\.I\\s+(\\d+)\\s*$");
    private static final Pattern FIELD_LINE = Pattern.compile("^\\.([TABW])\\s*$");

    private CranfieldLoader() {}

    /**
     * Reads the collection from the classpath.
     *
     * @throws UncheckedIOException when a file is missing or unreadable
     * @throws IllegalStateException when a file does not parse (the message names the file and line)
     */
    public static EvalDataset load() {
        List<Document> docs = parseDocuments(lines("cran.all.1400"));
        List<Query> queries = parseQueries(lines("cran.qry"));
        Qrels qrels = parseQrels(lines("cranqrel"), queries.size(), docs.size());
        return new EvalDataset("cranfield", docs, queries, qrels);
    }

    /**
     * The gain used for nDCG of a Cranfield relevance grade.
     *
     * @param grade 1 (most relevant) .. 4 (least relevant)
     * @return {@code 5 - grade}: 4 for grade 1 down to 1 for grade 4
     */
    public static int gainOfGrade(int grade) {
        if (grade < 1 || grade > 4) {
            throw new IllegalArgumentException("Cranfield grade must be 1..4, was " + grade);
        }
        return 5 - grade;
    }

    static List<Document> parseDocuments(List<String> lines) {
        List<Document> docs = new ArrayList<>();
        String id = null;
        Map<Character, StringBuilder> fields = new LinkedHashMap<>();
        char field = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher idLine = ID_LINE.matcher(line);
            if (idLine.matches()) {
                if (id != null) {
                    docs.add(document(id, fields));
                }
                id = idLine.group(1);
                fields.clear();
                field = 0;
                continue;
            }
            if (id == null) {
                if (!line.isBlank()) {
                    throw new IllegalStateException(
                            "cran.all.1400 line " + (i + 1) + ": text before the first .I: " + line);
                }
                continue;
            }
            Matcher fieldLine = FIELD_LINE.matcher(line);
            if (fieldLine.matches()) {
                if (field != 'W') { // inside the abstract, stray markers are dropped (see the class doc)
                    field = fieldLine.group(1).charAt(0);
                }
                continue;
            }
            if (field != 0) {
                append(fields.computeIfAbsent(field, f -> new StringBuilder()), line);
            }
        }
        if (id != null) {
            docs.add(document(id, fields));
        }
        return docs;
    }

    static List<Query> parseQueries(List<String> lines) {
        List<Query> queries = new ArrayList<>();
        StringBuilder text = null;
        String originalNumber = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher idLine = ID_LINE.matcher(line);
            if (idLine.matches()) {
                if (text != null) {
                    queries.add(query(queries.size() + 1, originalNumber, text));
                }
                originalNumber = idLine.group(1);
                text = new StringBuilder();
            } else if (FIELD_LINE.matcher(line).matches()) {
                continue;
            } else if (text == null) {
                if (!line.isBlank()) {
                    throw new IllegalStateException("cran.qry line " + (i + 1) + ": text before the first .I: " + line);
                }
            } else {
                append(text, line);
            }
        }
        if (text != null) {
            queries.add(query(queries.size() + 1, originalNumber, text));
        }
        return queries;
    }

    static Qrels parseQrels(List<String> lines, int queryCount, int docCount) {
        Map<String, Map<String, Integer>> gains = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] cols = line.split("\\s+");
            if (cols.length != 3) {
                throw new IllegalStateException(
                        "cranqrel line " + (i + 1) + ": expected 'query doc grade', got: " + line);
            }
            int position;
            int doc;
            int grade;
            try {
                position = Integer.parseInt(cols[0]);
                doc = Integer.parseInt(cols[1]);
                grade = Integer.parseInt(cols[2]);
            } catch (NumberFormatException e) {
                throw new IllegalStateException("cranqrel line " + (i + 1) + ": not three integers: " + line, e);
            }
            if (position < 1 || position > queryCount || doc < 1 || doc > docCount) {
                throw new IllegalStateException("cranqrel line " + (i + 1) + ": query " + position + " or document "
                        + doc + " is out of range (1.." + queryCount + ", 1.." + docCount + ")");
            }
            if (grade == -1) {
                continue; // the paper the question was written from: not judged
            }
            if (grade < 1 || grade > 4) {
                throw new IllegalStateException(
                        "cranqrel line " + (i + 1) + ": grade must be 1..4 or -1, was " + grade);
            }
            gains.computeIfAbsent(Integer.toString(position), q -> new LinkedHashMap<>())
                    .merge(Integer.toString(doc), gainOfGrade(grade), Math::max);
        }
        return new Qrels(gains);
    }

    private static Document document(String id, Map<Character, StringBuilder> fields) {
        return new Document(id, text(fields.get('T')), text(fields.get('W')));
    }

    private static Query query(int position, String originalNumber, StringBuilder text) {
        if (text.length() == 0) {
            throw new IllegalStateException(
                    "cran.qry: query " + originalNumber + " (position " + position + ") has no text");
        }
        return new Query(Integer.toString(position), text.toString());
    }

    private static String text(StringBuilder sb) {
        return sb == null ? "" : sb.toString();
    }

    private static void append(StringBuilder sb, String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty()) {
            return;
        }
        if (sb.length() > 0) {
            sb.append(' ');
        }
        sb.append(trimmed);
    }

    private static List<String> lines(String file) {
        String resource = RESOURCE_DIR + file;
        ClassLoader loader = CranfieldLoader.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("Cranfield file " + resource
                        + " is not on the classpath; it ships in engram-retriever-tuning's jar"));
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            // readLine() strips \n and \r\n alike: cran.qry has CRLF line ends, the other two LF.
            return reader.lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Cranfield file " + resource, e);
        }
    }
}
