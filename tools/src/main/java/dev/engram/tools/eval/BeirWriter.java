package dev.engram.tools.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.Query;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a test collection in the BEIR layout that {@link dev.engram.retriever.eval.BeirLoader}
 * reads: {@code corpus.jsonl}, {@code queries.jsonl} (every query, judged or not) and
 * {@code qrels/<split>.tsv} (a header line, then one judgement per line, its gain as the score).
 * It made {@code data/beir/cranfield} from the Cranfield copy on the classpath:
 *
 * <pre>
 * java -cp ... dev.engram.tools.eval.BeirWriter data/beir/cranfield     (Cranfield, split "test")
 * </pre>
 *
 * <pre>{@code
 * BeirWriter.write(CranfieldLoader.load(), Path.of("data/beir/cranfield"), "test");
 * }</pre>
 */
public final class BeirWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BeirWriter() {}

    /** Writes Cranfield (from the classpath) as a BEIR folder with the split {@code test}: {@code BeirWriter DIR}. */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: BeirWriter DIR   (writes Cranfield in the BEIR layout, split 'test')");
            System.exit(2);
        }
        write(CranfieldLoader.load(), Path.of(args[0]), "test");
    }

    /**
     * Writes {@code dataset} into {@code dir} (created if absent; the three files are replaced).
     *
     * @throws UncheckedIOException when a file cannot be written
     */
    public static void write(EvalDataset dataset, Path dir, String split) {
        if (split == null || !split.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("split must be a plain name such as 'test', was " + split);
        }
        try {
            Files.createDirectories(dir.resolve("qrels"));
            try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("corpus.jsonl"), StandardCharsets.UTF_8)) {
                for (Document d : dataset.docs()) {
                    ObjectNode line = JSON.createObjectNode()
                            .put("_id", d.id())
                            .put("title", d.title())
                            .put("text", d.text());
                    out.write(json(line));
                    out.write('\n');
                }
            }
            try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("queries.jsonl"), StandardCharsets.UTF_8)) {
                for (Query q : dataset.queries()) {
                    out.write(json(JSON.createObjectNode().put("_id", q.id()).put("text", q.text())));
                    out.write('\n');
                }
            }
            try (BufferedWriter out =
                    Files.newBufferedWriter(dir.resolve("qrels").resolve(split + ".tsv"), StandardCharsets.UTF_8)) {
                out.write("query-id\tcorpus-id\tscore\n");
                for (Map.Entry<String, Map<String, Integer>> q :
                        dataset.qrels().gains().entrySet()) {
                    for (Map.Entry<String, Integer> judged : q.getValue().entrySet()) {
                        out.write(q.getKey() + "\t" + judged.getKey() + "\t" + judged.getValue() + "\n");
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the BEIR folder " + dir, e);
        }
    }

    private static String json(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + node + " as JSON", e);
        }
    }
}
