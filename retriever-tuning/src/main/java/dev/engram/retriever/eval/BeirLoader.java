package dev.engram.retriever.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads a test collection in the BEIR layout, so that users can evaluate Engram on their own data:
 * <pre>
 * dir/corpus.jsonl        {"_id": "d1", "title": "...", "text": "..."}   (title optional)
 * dir/queries.jsonl       {"_id": "q1", "text": "..."}
 * dir/qrels/SPLIT.tsv     query-id &lt;TAB&gt; corpus-id &lt;TAB&gt; score     (one header line)
 * </pre>
 * Scores are gains: above zero is relevant, zero is judged not relevant. As BEIR's own loader
 * does, only the queries that the split's qrels judge are kept. Ids may be JSON strings or
 * numbers; extra JSON fields (e.g. {@code metadata}) are ignored.
 *
 * <pre>{@code
 * EvalDataset scifact = BeirLoader.load(Path.of("data/scifact"), "test");
 * }</pre>
 */
public final class BeirLoader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BeirLoader() {}

    /**
     * Reads {@code dir}'s corpus, queries and {@code qrels/<split>.tsv}.
     *
     * @param dir the dataset folder; its file name becomes the dataset's name
     * @param split the qrels split, e.g. {@code "test"}, {@code "dev"}, {@code "train"}
     * @throws UncheckedIOException when a file is missing or unreadable; a missing split's message
     *     lists the splits the folder has (see {@link #splits(Path)})
     * @throws IllegalArgumentException when a line does not parse (the message names file and line),
     *     or the qrels name a document that the corpus lacks
     */
    public static EvalDataset load(Path dir, String split) {
        if (dir == null) {
            throw new IllegalArgumentException("dir is required");
        }
        if (split == null || split.isBlank() || split.contains("/") || split.contains("\\")) {
            throw new IllegalArgumentException("split must be a plain name such as 'test', was " + split);
        }
        Path qrelsFile = dir.resolve("qrels").resolve(split + ".tsv");
        if (!Files.isRegularFile(qrelsFile)) {
            throw new UncheckedIOException(
                    missingSplit(dir, split, qrelsFile), new NoSuchFileException(qrelsFile.toString()));
        }
        Qrels qrels = readQrels(qrelsFile);
        List<Document> docs = readCorpus(dir.resolve("corpus.jsonl"));
        Map<String, Document> byId = new LinkedHashMap<>();
        docs.forEach(d -> byId.put(d.id(), d));
        for (Map.Entry<String, Map<String, Integer>> q : qrels.gains().entrySet()) {
            for (String docId : q.getValue().keySet()) {
                if (!byId.containsKey(docId)) {
                    throw new IllegalArgumentException(qrelsFile + ": query " + q.getKey() + " judges document " + docId
                            + ", which corpus.jsonl does not have");
                }
            }
        }
        List<Query> queries = readQueries(dir.resolve("queries.jsonl")).stream()
                .filter(q -> qrels.gains().containsKey(q.id()))
                .toList();
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new EvalDataset(name == null ? "beir" : name.toString(), docs, queries, qrels);
    }

    /**
     * The splits a BEIR folder has: the names of its {@code qrels/*.tsv} files without the
     * extension, sorted; empty when it has no {@code qrels} folder.
     */
    public static List<String> splits(Path dir) {
        Path qrels = dir.resolve("qrels");
        if (!Files.isDirectory(qrels)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(qrels)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".tsv") && name.length() > ".tsv".length())
                    .map(name -> name.substring(0, name.length() - ".tsv".length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the qrels of " + dir, e);
        }
    }

    private static String missingSplit(Path dir, String split, Path qrelsFile) {
        List<String> splits = splits(dir);
        if (!Files.isDirectory(dir)) {
            return "no BEIR folder at " + dir + " (it should hold corpus.jsonl, queries.jsonl and qrels/<split>.tsv)";
        }
        if (splits.isEmpty()) {
            return "no split '" + split + "' in " + dir + ": " + qrelsFile + " does not exist, and " + dir
                    + " has no qrels/<split>.tsv files at all (a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv)";
        }
        return "no split '" + split + "' in " + dir + ": " + qrelsFile + " does not exist; the splits there are "
                + String.join(", ", splits);
    }

    private static List<Document> readCorpus(Path file) {
        List<Document> docs = new ArrayList<>();
        forEachJsonLine(
                file,
                (json, where) -> docs.add(new Document(
                        requiredText(json, "_id", where), optionalText(json, "title"), optionalText(json, "text"))));
        return docs;
    }

    private static List<Query> readQueries(Path file) {
        List<Query> queries = new ArrayList<>();
        forEachJsonLine(
                file,
                (json, where) ->
                        queries.add(new Query(requiredText(json, "_id", where), requiredText(json, "text", where))));
        return queries;
    }

    private static Qrels readQrels(Path file) {
        Map<String, Map<String, Integer>> gains = new LinkedHashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cols = line.strip().split("\t");
                if (lineNo == 1 && cols.length > 0 && cols[0].strip().equalsIgnoreCase("query-id")) {
                    continue; // the header
                }
                if (cols.length != 3) {
                    throw new IllegalArgumentException(
                            file + " line " + lineNo + ": expected 'query-id<TAB>corpus-id<TAB>score', got: " + line);
                }
                int score;
                try {
                    score = Integer.parseInt(cols[2].strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            file + " line " + lineNo + ": score is not an integer: " + cols[2], e);
                }
                if (score < 0) {
                    throw new IllegalArgumentException(file + " line " + lineNo + ": score must be >= 0, was " + score);
                }
                gains.computeIfAbsent(cols[0].strip(), q -> new LinkedHashMap<>())
                        .put(cols[1].strip(), score);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read BEIR qrels " + file, e);
        }
        return new Qrels(gains);
    }

    private interface JsonLineHandler {
        void accept(JsonNode json, String where);
    }

    private static void forEachJsonLine(Path file, JsonLineHandler handler) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String where = file + " line " + lineNo;
                JsonNode json;
                try {
                    json = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(where + ": not valid JSON: " + e.getOriginalMessage(), e);
                }
                if (json == null || !json.isObject()) {
                    throw new IllegalArgumentException(where + ": expected a JSON object");
                }
                try {
                    handler.accept(json, where);
                } catch (IllegalArgumentException e) {
                    throw e.getMessage() != null && e.getMessage().startsWith(where)
                            ? e
                            : new IllegalArgumentException(where + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read BEIR file " + file, e);
        }
    }

    private static String requiredText(JsonNode json, String field, String where) {
        JsonNode node = json.get(field);
        if (node == null
                || node.isNull()
                || !node.isValueNode()
                || node.asText().isBlank()) {
            throw new IllegalArgumentException(where + ": field '" + field + "' is required and must not be blank");
        }
        return node.asText();
    }

    private static String optionalText(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() ? "" : node.asText();
    }
}
