package dev.engram.retriever;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the abstracts (the {@code .W} fields) of cran.all.1400 from the classpath, for tests. */
final class CranfieldAbstracts {

    private CranfieldAbstracts() {}

    static List<String> first(int n) {
        String all;
        try (InputStream in =
                CranfieldAbstracts.class.getClassLoader().getResourceAsStream("datasets/cranfield/cran.all.1400")) {
            if (in == null) {
                throw new IllegalStateException("datasets/cranfield/cran.all.1400 is not on the classpath");
            }
            all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> abstracts = new ArrayList<>();
        for (String doc : all.split("(?m)^\\.I ")) {
            int w = doc.indexOf("\n.W\n");
            if (w < 0) {
                continue;
            }
            String text = doc.substring(w + 4).replaceAll("\\s+", " ").trim();
            if (!text.isEmpty()) {
                abstracts.add(text);
            }
            if (abstracts.size() == n) {
                break;
            }
        }
        return abstracts;
    }
}
