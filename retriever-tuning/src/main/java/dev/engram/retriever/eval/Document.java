package dev.engram.retriever.eval;

/**
 * One document of a test collection.
 *
 * <pre>{@code
 * Document d = new Document("12", "laminar flow over a flat plate", "an experimental study of ...");
 * }</pre>
 *
 * @param id the collection's id for the document, as the judgements name it; required, not blank
 * @param title the title; empty when the collection has none (never {@code null} after construction)
 * @param text the body text; may be empty (Cranfield documents 471 and 995 are), never {@code null} after construction
 */
public record Document(String id, String title, String text) {

    public Document {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("document.id is required and must not be blank");
        }
        title = title == null ? "" : title;
        text = text == null ? "" : text;
    }

    /** Title and text, each non-empty part on its own line: what a retriever should index. */
    public String fullText() {
        if (title.isEmpty()) {
            return text;
        }
        return text.isEmpty() ? title : title + "\n" + text;
    }
}
