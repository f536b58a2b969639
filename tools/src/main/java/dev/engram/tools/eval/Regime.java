package dev.engram.tools.eval;

/** Which tasks a system is scored on. */
public enum Regime {
    /** Held-out tasks: no feedback was ever given on them. */
    NEW("new", "new tasks (held out)"),
    /** The feedback tasks asked again: their own judgements are in the memory. */
    RECURRING("recurring", "recurring tasks (the feedback tasks asked again)");

    private final String label;
    private final String description;

    Regime(String label, String description) {
        this.label = label;
        this.description = description;
    }

    /** The name in JSON and the per-query file. */
    public String label() {
        return label;
    }

    /** The heading in the table. */
    public String description() {
        return description;
    }
}
