package dev.engram.node.http;

/**
 * Counts the words of a task the way the case store's BM25 search could at most see them, so that a
 * recall with too many is refused with a 400 instead of failing inside Lucene: BM25 searches each
 * word of the task as one clause of a boolean query, and Lucene refuses a query of more than 1,024
 * clauses ({@code IndexSearcher.getMaxClauseCount()}) with an exception that says nothing to a caller.
 *
 * <p>The count is an upper bound of the analyser's tokens (Lucene's UAX#29 word breaks): a run of
 * letters, digits and marks counts once per 255 characters (the tokenizer's longest token), each
 * ideograph and hiragana character counts alone (the tokenizer emits them one by one), each symbol
 * (emoji among them) counts alone, and everything else separates. Stop words are counted too.
 */
final class TaskWords {

    /** Most words a recall task may have: under Lucene's 1,024 clauses, with room for the tenant filter. */
    static final int MAX = 1_000;

    private static final int MAX_TOKEN_CHARS = 255;

    private TaskWords() {}

    /** An upper bound of the number of terms BM25 would search for {@code text}. */
    static int count(String text) {
        int words = 0;
        int run = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (standsAlone(cp)) {
                words += runWords(run) + 1;
                run = 0;
            } else if (Character.isLetterOrDigit(cp) || isMark(cp)) {
                run++;
            } else {
                words += runWords(run);
                run = 0;
            }
        }
        return words + runWords(run);
    }

    private static int runWords(int run) {
        return (run + MAX_TOKEN_CHARS - 1) / MAX_TOKEN_CHARS;
    }

    private static boolean standsAlone(int cp) {
        if (Character.isIdeographic(cp) || Character.UnicodeScript.of(cp) == Character.UnicodeScript.HIRAGANA) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.OTHER_SYMBOL
                || type == Character.MATH_SYMBOL
                || type == Character.CURRENCY_SYMBOL
                || type == Character.MODIFIER_SYMBOL;
    }

    private static boolean isMark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK
                || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }
}
