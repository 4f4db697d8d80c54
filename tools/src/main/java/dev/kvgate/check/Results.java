package dev.kvgate.check;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The outcomes of one run of the suite: a row per case, an outcome per transport it ran over. */
public final class Results {

    /** One case: its number in the suite and what it did over each transport. */
    public record Row(int number, Case c, Map<Transport, Outcome> outcomes) {
        /** Ran over both transports and the server behaved differently on them. */
        public boolean differs() {
            Outcome plain = outcomes.get(Transport.PLAIN);
            Outcome tls = outcomes.get(Transport.TLS);
            return plain != null && tls != null && plain.differsFrom(tls);
        }
    }

    private final List<Target> targets;
    private final List<Row> rows = new ArrayList<>();
    private final long startedMillis;
    private long millis;

    Results(List<Target> targets) {
        this.targets = List.copyOf(targets);
        this.startedMillis = System.currentTimeMillis();
    }

    Row add(int number, Case c) {
        Row row = new Row(number, c, new EnumMap<>(Transport.class));
        rows.add(row);
        return row;
    }

    void finish() {
        millis = System.currentTimeMillis() - startedMillis;
    }

    public List<Target> targets() {
        return targets;
    }

    public List<Row> rows() {
        return rows;
    }

    public long millis() {
        return millis;
    }

    public List<Row> differences() {
        return rows.stream().filter(Row::differs).toList();
    }

    public int runs() {
        return rows.stream().mapToInt(r -> r.outcomes().size()).sum();
    }

    public int count(Outcome.Kind kind) {
        return (int) rows.stream().flatMap(r -> r.outcomes().values().stream()).filter(o -> o.kind() == kind).count();
    }

    /** Whether the run failed: a case failed, or a case behaved differently over plain and TLS. */
    public boolean failed() {
        return count(Outcome.Kind.FAIL) > 0 || !differences().isEmpty();
    }
}
