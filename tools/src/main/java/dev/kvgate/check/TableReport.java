package dev.kvgate.check;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The human report: a row per case with its outcome per transport, then the failures with what was
 * expected and what came, the unsupported cases and the notes, every case whose outcome differs
 * between plain and TLS, and a one-line summary.
 */
final class TableReport {
    private static final int MAX_TITLE = 96;
    private static final int COLUMN = 12;

    private TableReport() {
    }

    static void print(Results results, PrintStream out) {
        List<Transport> transports = results.targets().stream().map(Target::transport).toList();
        out.println("kvgate check of " + String.join(" and ", results.targets().stream().map(TableReport::describe)
                .toList()));
        out.println();
        int width = Math.min(MAX_TITLE, results.rows().stream().mapToInt(r -> r.c().title().length()).max().orElse(4));
        StringBuilder head = new StringBuilder(String.format("%4s  %-" + width + "s", "#", "case"));
        transports.forEach(t -> head.append("  ").append(String.format("%-" + COLUMN + "s", t.label())));
        out.println(head.toString().stripTrailing());
        for (Results.Row row : results.rows()) {
            StringBuilder line = new StringBuilder(String.format("%4d  %-" + width + "s", row.number(),
                    cut(row.c().title(), width)));
            for (Transport t : transports) {
                Outcome o = row.outcomes().get(t);
                String cell = o == null ? "-" : o.kind() == Outcome.Kind.FAIL ? "FAIL" : o.kind().label();
                if (row.differs()) {
                    cell += " *";
                }
                line.append("  ").append(String.format("%-" + COLUMN + "s", cell));
            }
            out.println(line.toString().stripTrailing());
        }
        failures(results, out);
        grouped(results, out, Outcome.Kind.UNSUPPORTED, "Unsupported (not failed)");
        grouped(results, out, Outcome.Kind.PASS, "Notes on passes");
        differences(results, out);
        out.println();
        out.println(summary(results));
    }

    static String summary(Results results) {
        int differ = results.differences().size();
        boolean both = results.targets().size() > 1;
        return String.format("%s, %s: %d pass, %d fail, %d unsupported%s in %.1f s: %s",
                plural(results.rows().size(), "case"), plural(results.runs(), "run"), results.count(Outcome.Kind.PASS),
                results.count(Outcome.Kind.FAIL), results.count(Outcome.Kind.UNSUPPORTED),
                both ? "; " + differ + (differ == 1 ? " case differs" : " cases differ") + " between plain and TLS" : "",
                results.millis() / 1000.0, results.failed() ? "FAILED" : "OK");
    }

    private static void failures(Results results, PrintStream out) {
        boolean any = false;
        for (Results.Row row : results.rows()) {
            for (Map.Entry<Transport, Outcome> e : row.outcomes().entrySet()) {
                if (!e.getValue().failed()) {
                    continue;
                }
                if (!any) {
                    out.println();
                    out.println("Failures (what came, and what was expected):");
                    any = true;
                }
                out.println(String.format("  #%d %s [%s]", row.number(), row.c().title(), e.getKey().label()));
                for (String p : e.getValue().problems()) {
                    out.println("      " + p);
                }
            }
        }
    }

    /** Unsupported reasons or pass notes, one line per case, transports with the same text together. */
    private static void grouped(Results results, PrintStream out, Outcome.Kind kind, String heading) {
        List<String> lines = new ArrayList<>();
        for (Results.Row row : results.rows()) {
            Map<String, List<String>> byText = new LinkedHashMap<>();
            for (Map.Entry<Transport, Outcome> e : row.outcomes().entrySet()) {
                Outcome o = e.getValue();
                if (o.kind() == kind && !o.note().isEmpty()) {
                    byText.computeIfAbsent(o.note(), k -> new ArrayList<>()).add(e.getKey().label());
                }
            }
            byText.forEach((text, where) -> lines.add(String.format("  #%d %s [%s]: %s", row.number(),
                    row.c().title(), String.join(", ", where), text)));
        }
        if (!lines.isEmpty()) {
            out.println();
            out.println(heading + ":");
            lines.forEach(out::println);
        }
    }

    private static void differences(Results results, PrintStream out) {
        if (results.targets().size() < 2) {
            return;
        }
        List<Results.Row> differ = results.differences();
        out.println();
        if (differ.isEmpty()) {
            out.println("Plain vs TLS: every case that ran over both had the same outcome.");
            return;
        }
        out.println("Plain vs TLS: " + differ.size() + (differ.size() == 1 ? " case differs" : " cases differ")
                + " (marked * above):");
        for (Results.Row row : differ) {
            out.println(String.format("  #%d %s", row.number(), row.c().title()));
            out.println("      plain: " + row.outcomes().get(Transport.PLAIN).summary());
            out.println("      tls:   " + row.outcomes().get(Transport.TLS).summary());
        }
    }

    private static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String describe(Target t) {
        return t.address() + " (" + t.transport().label() + (t.tls() != null ? ", " + t.tls().engine() : "") + ")";
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 3) + "...";
    }
}
