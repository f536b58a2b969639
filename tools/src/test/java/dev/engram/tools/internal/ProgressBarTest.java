package dev.engram.tools.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void drawsTheFilledShareCountAndPercent() {
        ProgressBar bar = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), "produce", 1400, false);
        String half = bar.line(700, System.nanoTime(), "");
        // 700/1400 = 50% → 15 of 30 cells filled, then the arrow head
        assertThat(half).startsWith("  produce  [===============>              ]  700/1400  50%");
        String done = bar.line(1400, System.nanoTime(), "1,000 events/s");
        assertThat(done)
                .contains("[==============================] 1400/1400 100%")
                .endsWith("  1,000 events/s");
        assertThat(bar.line(0, System.nanoTime(), "")).contains("[>                             ]    0/1400   0%");
    }

    @Test
    void withoutATerminalOnlyTheFinishedLineIsPrinted() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "index", 10, false);
        for (int i = 0; i <= 10; i++) {
            bar.update(i);
        }
        bar.finish(10, "ok");
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\r").contains("10/10 100%").endsWith("ok" + System.lineSeparator());
        assertThat(text.lines()).hasSize(1);
    }

    @Test
    void onATerminalItRedrawsInPlace() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "recall", 4, true);
        bar.update(4); // the last step always draws
        bar.finish(4, "done");
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("\r  recall").contains("\r  recall").endsWith("done" + System.lineSeparator());
    }
}
