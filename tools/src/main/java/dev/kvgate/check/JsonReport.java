package dev.kvgate.check;

import dev.kvgate.tools.Json;
import java.util.List;
import java.util.Map;

/**
 * The run as one JSON object, for scripts: the targets, every case with its outcome per transport
 * (kind, note, problems, milliseconds), the cases that differ between plain and TLS, and a summary
 * whose {@code ok} matches the exit status. Written by hand: no JSON library in the jar.
 */
final class JsonReport {
    private JsonReport() {
    }

    static String json(Results results) {
        StringBuilder b = new StringBuilder("{\n  \"tool\": \"kvgate check\",\n  \"targets\": [");
        List<Target> targets = results.targets();
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    {\"transport\": ").append(str(t.transport().label()))
                    .append(", \"address\": ").append(str(t.address()));
            if (t.tls() != null) {
                b.append(", \"engine\": ").append(str(t.tls().engine()));
            }
            b.append('}');
        }
        b.append("\n  ],\n  \"cases\": [");
        List<Results.Row> rows = results.rows();
        for (int i = 0; i < rows.size(); i++) {
            Results.Row row = rows.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    {\"number\": ").append(row.number())
                    .append(", \"group\": ").append(str(row.c().group()))
                    .append(", \"name\": ").append(str(row.c().name()))
                    .append(", \"differs\": ").append(row.differs())
                    .append(", \"results\": {");
            int j = 0;
            for (Map.Entry<Transport, Outcome> e : row.outcomes().entrySet()) {
                Outcome o = e.getValue();
                b.append(j++ == 0 ? "" : ", ").append(str(e.getKey().label())).append(": {\"outcome\": ")
                        .append(str(o.kind().label())).append(", \"note\": ").append(str(o.note()))
                        .append(", \"problems\": [");
                for (int k = 0; k < o.problems().size(); k++) {
                    b.append(k == 0 ? "" : ", ").append(str(o.problems().get(k)));
                }
                b.append("], \"millis\": ").append(o.millis()).append('}');
            }
            b.append("}}");
        }
        b.append("\n  ],\n  \"differences\": [");
        List<Results.Row> differ = results.differences();
        for (int i = 0; i < differ.size(); i++) {
            Results.Row row = differ.get(i);
            b.append(i == 0 ? "" : ", ").append("{\"number\": ").append(row.number())
                    .append(", \"case\": ").append(str(row.c().title()))
                    .append(", \"plain\": ").append(str(row.outcomes().get(Transport.PLAIN).summary()))
                    .append(", \"tls\": ").append(str(row.outcomes().get(Transport.TLS).summary())).append('}');
        }
        b.append("],\n  \"summary\": {")
                .append("\"cases\": ").append(rows.size())
                .append(", \"runs\": ").append(results.runs())
                .append(", \"pass\": ").append(results.count(Outcome.Kind.PASS))
                .append(", \"fail\": ").append(results.count(Outcome.Kind.FAIL))
                .append(", \"unsupported\": ").append(results.count(Outcome.Kind.UNSUPPORTED))
                .append(", \"differences\": ").append(differ.size())
                .append(", \"millis\": ").append(results.millis())
                .append(", \"ok\": ").append(!results.failed())
                .append("}\n}\n");
        return b.toString();
    }

    static String str(String s) {
        return Json.quote(s);
    }
}
