package dev.kvgate.check;

import java.util.List;

/**
 * What one case did on one transport: pass (perhaps with a note on what was seen, e.g. "closed the
 * connection after the error"), fail with one line per difference (each naming the expected and the
 * actual answer), or unsupported with the reason (something a server may legitimately not offer).
 */
public record Outcome(Kind kind, List<String> problems, String note, long millis) {

    public enum Kind {
        PASS("pass"),
        FAIL("fail"),
        UNSUPPORTED("unsupported");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public Outcome {
        problems = List.copyOf(problems);
        note = note == null ? "" : note;
    }

    static Outcome pass(String note) {
        return new Outcome(Kind.PASS, List.of(), note, 0);
    }

    static Outcome fail(List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a failure needs a reason");
        }
        return new Outcome(Kind.FAIL, problems, "", 0);
    }

    static Outcome fail(String problem) {
        return fail(List.of(problem));
    }

    static Outcome unsupported(String reason) {
        return new Outcome(Kind.UNSUPPORTED, List.of(), reason, 0);
    }

    /** Pass with {@code note} when nothing was found, else fail. */
    static Outcome of(List<String> problems, String note) {
        return problems.isEmpty() ? pass(note) : fail(problems);
    }

    Outcome took(long millis) {
        return new Outcome(kind, problems, note, millis);
    }

    public boolean failed() {
        return kind == Kind.FAIL;
    }

    /**
     * Whether this outcome and {@code other} (the same case on the other transport) say the server
     * behaved differently: another kind, or a pass with another note. Failures are not compared line by
     * line: their texts carry values (CAS, timings) that differ between any two runs.
     */
    boolean differsFrom(Outcome other) {
        return kind != other.kind || (kind == Kind.PASS && !note.equals(other.note));
    }

    /** One line: the kind and, when there is one, the note or the first problem. */
    String summary() {
        return switch (kind) {
            case PASS -> note.isEmpty() ? "pass" : "pass (" + note + ")";
            case UNSUPPORTED -> "unsupported: " + note;
            case FAIL -> "fail: " + problems.get(0) + (problems.size() > 1 ? " (+" + (problems.size() - 1) + " more)" : "");
        };
    }
}
