package dev.kvgate.check;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The run as JUnit XML, the format CI systems show as test results: a test suite per transport with
 * a test case per case (failure with every problem, skipped when unsupported, the note as
 * system-out), and, with both transports, a suite "plain vs tls" that fails a case whose outcome
 * differs between them.
 */
final class JunitReport {
    private JunitReport() {
    }

    static void write(Results results, Path file) throws IOException {
        Files.writeString(file, xml(results), StandardCharsets.UTF_8);
    }

    static String xml(Results results) {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        int differ = results.differences().size();
        boolean both = results.targets().size() > 1;
        b.append(String.format(Locale.ROOT, "<testsuites name=\"kvgate check\" tests=\"%d\" failures=\"%d\""
                        + " skipped=\"%d\" time=\"%.3f\">%n", results.runs() + (both ? comparedRows(results) : 0),
                results.count(Outcome.Kind.FAIL) + differ, results.count(Outcome.Kind.UNSUPPORTED),
                results.millis() / 1000.0));
        for (Target t : results.targets()) {
            suite(b, results, t);
        }
        if (both) {
            comparison(b, results);
        }
        b.append("</testsuites>\n");
        return b.toString();
    }

    private static void suite(StringBuilder b, Results results, Target t) {
        int tests = 0;
        int failures = 0;
        int skipped = 0;
        long millis = 0;
        for (Results.Row row : results.rows()) {
            Outcome o = row.outcomes().get(t.transport());
            if (o != null) {
                tests++;
                failures += o.failed() ? 1 : 0;
                skipped += o.kind() == Outcome.Kind.UNSUPPORTED ? 1 : 0;
                millis += o.millis();
            }
        }
        b.append(String.format(Locale.ROOT, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\""
                        + " skipped=\"%d\" time=\"%.3f\">%n", attr("kvgate check " + t.transport().label() + " "
                        + t.address()), tests, failures, skipped, millis / 1000.0));
        for (Results.Row row : results.rows()) {
            Outcome o = row.outcomes().get(t.transport());
            if (o == null) {
                continue;
            }
            testcase(b, t.transport().label(), row, o.millis());
            switch (o.kind()) {
                case FAIL -> b.append("      <failure type=\"fail\" message=\"").append(attr(o.problems().get(0)))
                        .append("\">").append(text(String.join("\n", o.problems()))).append("</failure>\n");
                case UNSUPPORTED -> b.append("      <skipped message=\"").append(attr("unsupported: " + o.note()))
                        .append("\"/>\n");
                case PASS -> {
                    if (!o.note().isEmpty()) {
                        b.append("      <system-out>").append(text(o.note())).append("</system-out>\n");
                    }
                }
                default -> throw new AssertionError(o.kind());
            }
            b.append("    </testcase>\n");
        }
        b.append("  </testsuite>\n");
    }

    private static int comparedRows(Results results) {
        return (int) results.rows().stream().filter(r -> r.outcomes().size() == 2).count();
    }

    private static void comparison(StringBuilder b, Results results) {
        b.append(String.format(Locale.ROOT, "  <testsuite name=\"kvgate check plain vs tls\" tests=\"%d\""
                + " failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"0\">%n", comparedRows(results),
                results.differences().size()));
        for (Results.Row row : results.rows()) {
            if (row.outcomes().size() != 2) {
                continue;
            }
            testcase(b, "plain-vs-tls", row, 0);
            if (row.differs()) {
                String message = "plain: " + row.outcomes().get(Transport.PLAIN).summary() + "; tls: "
                        + row.outcomes().get(Transport.TLS).summary();
                b.append("      <failure type=\"differs\" message=\"").append(attr(message)).append("\">")
                        .append(text(message)).append("</failure>\n");
            }
            b.append("    </testcase>\n");
        }
        b.append("  </testsuite>\n");
    }

    private static void testcase(StringBuilder b, String transport, Results.Row row, long millis) {
        b.append(String.format(Locale.ROOT, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\">%n",
                attr("kvgate.check." + transport + "." + row.c().group()),
                attr("#" + row.number() + " " + row.c().name()), millis / 1000.0));
    }

    private static String attr(String s) {
        return text(s).replace("\"", "&quot;").replace("\n", "&#10;");
    }

    /** Escaped for XML; characters XML 1.0 cannot hold at all become '?'. */
    private static String text(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                default -> b.append(c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0xfffe || c == 0xffff
                        ? '?' : c);
            }
        }
        return b.toString();
    }
}
