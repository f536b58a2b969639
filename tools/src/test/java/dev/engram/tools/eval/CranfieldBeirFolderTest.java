package dev.engram.tools.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.retriever.eval.BeirLoader;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.EvalDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code data/beir/cranfield} holds exactly the Cranfield collection that ships on the classpath. */
class CranfieldBeirFolderTest {

    @Test
    void theBeirFolderLoadsToTheSameCollection() {
        EvalDataset beir = BeirLoader.load(folder(), "test");
        EvalDataset cranfield = CranfieldLoader.load();

        assertThat(beir.name()).isEqualTo("cranfield");
        assertThat(beir.docs()).isEqualTo(cranfield.docs());
        assertThat(beir.queries()).isEqualTo(cranfield.queries());
        assertThat(beir.qrels()).isEqualTo(cranfield.qrels());
        assertThat(beir.judgedQueries()).hasSize(225);
        assertThat(beir.qrels().judgementCount()).isEqualTo(1612);
    }

    /** The folder at the repository root, found from the module's directory (where tests run) upwards. */
    private static Path folder() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("data/beir/cranfield");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "data/beir/cranfield not found above " + Path.of("").toAbsolutePath());
    }
}
