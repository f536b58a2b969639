package dev.engram.retriever.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeirLoaderTest {

    @TempDir
    Path root;

    Path dir;

    @BeforeEach
    void writeTinyDataset() throws IOException {
        dir = Files.createDirectories(root.resolve("tiny"));
        Files.writeString(dir.resolve("corpus.jsonl"), """
                {"_id": "d1", "title": "Flutter", "text": "flutter of a heated wing", "metadata": {"year": 1958}}
                {"_id": "d2", "text": "boundary layer transition"}
                {"_id": 3, "title": "Slabs", "text": "heat conduction in composite slabs"}

                """);
        Files.writeString(dir.resolve("queries.jsonl"), """
                {"_id": "q1", "text": "wing flutter"}
                {"_id": "q2", "text": "heat conduction"}
                {"_id": "q3", "text": "judged only in dev"}
                """);
        Files.createDirectories(dir.resolve("qrels"));
        Files.writeString(
                dir.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\t3\t1\n");
        Files.writeString(dir.resolve("qrels/dev.tsv"), "query-id\tcorpus-id\tscore\nq3\td2\t1\n");
    }

    @Test
    void loadsCorpusQueriesAndTheSplitsJudgements() {
        EvalDataset test = BeirLoader.load(dir, "test");
        assertThat(test.name()).isEqualTo("tiny");
        assertThat(test.docs())
                .containsExactly(
                        new Document("d1", "Flutter", "flutter of a heated wing"),
                        new Document("d2", "", "boundary layer transition"),
                        new Document("3", "Slabs", "heat conduction in composite slabs"));
        // q3 is judged only in dev: not part of the test split
        assertThat(test.queries()).containsExactly(new Query("q1", "wing flutter"), new Query("q2", "heat conduction"));
        assertThat(test.qrels().judged("q1"))
                .containsEntry("d1", 2)
                .containsEntry("d2", 0)
                .hasSize(2);
        assertThat(test.qrels().relevantCount("q1")).isEqualTo(1); // score 0 = judged not relevant
        assertThat(test.qrels().judged("q2")).containsEntry("3", 1);
        assertThat(test.qrels().judgementCount()).isEqualTo(3);

        EvalDataset dev = BeirLoader.load(dir, "dev");
        assertThat(dev.queries()).extracting(Query::id).containsExactly("q3");
    }

    @Test
    void aMissingSplitSaysWhichFile() {
        assertThatThrownBy(() -> BeirLoader.load(dir, "train"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("train.tsv")
                .hasMessageContaining("the splits there are dev, test");
        assertThat(BeirLoader.splits(dir)).containsExactly("dev", "test");
        assertThatThrownBy(() -> BeirLoader.load(dir.resolve("nowhere"), "test"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("no BEIR folder at");
        assertThatThrownBy(() -> BeirLoader.load(dir, "../x")).hasMessageContaining("split must be a plain name");
    }

    @Test
    void badLinesAreReportedWithFileAndLine() throws IOException {
        Files.writeString(dir.resolve("queries.jsonl"), "{\"_id\": \"q1\", \"text\": \"ok\"}\n{\"_id\": \"q2\"}\n");
        assertThatThrownBy(() -> BeirLoader.load(dir, "test"))
                .hasMessageContaining("queries.jsonl line 2")
                .hasMessageContaining("'text'");

        Files.writeString(dir.resolve("queries.jsonl"), "{\"_id\": \"q1\", \"text\": \"ok\"}\n{not json\n");
        assertThatThrownBy(() -> BeirLoader.load(dir, "test"))
                .hasMessageContaining("queries.jsonl line 2: not valid JSON");

        Files.writeString(dir.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\thigh\n");
        assertThatThrownBy(() -> BeirLoader.load(dir, "test"))
                .hasMessageContaining("test.tsv line 2: score is not an integer");
    }

    @Test
    void judgementsOfUnknownDocumentsAreRejected() throws IOException {
        Files.writeString(dir.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td9\t1\n");
        assertThatThrownBy(() -> BeirLoader.load(dir, "test")).hasMessageContaining("judges document d9");
    }
}
