package dev.kvgate.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The table, JUnit XML and JSON reports of a made-up run: one case of each outcome and one difference. */
class ReportsTest {
    private static final String NASTY = "value \"<&>\" \u0001 end";

    private static Results results() {
        Target plain = new Target(Transport.PLAIN, "127.0.0.1", 11211, null);
        Target tls = new Target(Transport.TLS, "127.0.0.1", 11207,
                TlsSetup.load(java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty()));
        Results r = new Results(List.of(plain, tls));
        Case same = Case.code("get", "GET hit", ctx -> null);
        r.add(1, same).outcomes().put(Transport.PLAIN, Outcome.pass(""));
        r.rows().get(0).outcomes().put(Transport.TLS, Outcome.pass(""));
        Case differs = Case.code("value", "a value of 16 KiB", ctx -> null);
        Results.Row row = r.add(2, differs);
        row.outcomes().put(Transport.PLAIN, Outcome.pass(""));
        row.outcomes().put(Transport.TLS, Outcome.fail(List.of("step 1 SET a: " + NASTY, "step 2 GET a: closed")));
        Case unsupported = Case.code("hello", "HELLO", ctx -> null);
        Results.Row u = r.add(3, unsupported);
        u.outcomes().put(Transport.PLAIN, Outcome.unsupported("no HELLO"));
        u.outcomes().put(Transport.TLS, Outcome.unsupported("no HELLO"));
        Results.Row t = r.add(4, Case.tls("resumption", ctx -> null));
        t.outcomes().put(Transport.TLS, Outcome.pass("resumed, TLSv1.3"));
        r.finish();
        return r;
    }

    @Test
    void theTableShowsFailuresUnsupportedNotesAndTheDifference() {
        Results r = results();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TableReport.print(r, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("   2  value: a value of 16 KiB  pass *        FAIL *"), table);
        assertTrue(table.contains("   4  tls: resumption           -             pass"), table);
        assertTrue(table.contains("  #2 value: a value of 16 KiB [tls]\n      step 1 SET a: " + NASTY), table);
        assertTrue(table.contains("  #3 hello: HELLO [plain, tls]: no HELLO"), table);
        assertTrue(table.contains("  #4 tls: resumption [tls]: resumed, TLSv1.3"), table);
        assertTrue(table.contains("Plain vs TLS: 1 case differs"), table);
        assertTrue(table.contains("4 cases, 7 runs: 4 pass, 1 fail, 2 unsupported; 1 case differs between plain and"
                + " TLS"), table);
        assertTrue(table.stripTrailing().endsWith("FAILED"), table);
        assertTrue(r.failed());
    }

    @Test
    void junitXmlIsWellFormedWithASuitePerTransportAndOneForTheDifference() throws Exception {
        String xml = JunitReport.xml(results());
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        Element root = d.getDocumentElement();
        assertEquals("testsuites", root.getTagName());
        assertEquals("10", root.getAttribute("tests"), xml);
        assertEquals("2", root.getAttribute("failures"), xml);
        assertEquals("2", root.getAttribute("skipped"), xml);
        assertEquals(3, d.getElementsByTagName("testsuite").getLength());
        assertEquals(2, d.getElementsByTagName("failure").getLength());
        assertEquals(2, d.getElementsByTagName("skipped").getLength());
        Element failure = (Element) d.getElementsByTagName("failure").item(0);
        assertEquals("step 1 SET a: value \"<&>\" ? end", failure.getAttribute("message"));
        assertTrue(failure.getTextContent().contains("step 2 GET a: closed"));
        Element difference = (Element) d.getElementsByTagName("failure").item(1);
        assertEquals("differs", difference.getAttribute("type"));
        assertEquals("kvgate.check.plain-vs-tls.value", ((Element) difference.getParentNode()).getAttribute("classname"));
    }

    @Test
    void jsonEscapesAndSummarises() {
        String json = JsonReport.json(results());
        assertTrue(json.contains("\"problems\": [\"step 1 SET a: value \\\"<&>\\\" \\u0001 end\", \"step 2 GET a: closed\"]"),
                json);
        assertTrue(json.contains("\"summary\": {\"cases\": 4, \"runs\": 7, \"pass\": 4, \"fail\": 1, \"unsupported\": 2,"
                + " \"differences\": 1"), json);
        assertTrue(json.contains("\"ok\": false"), json);
        assertTrue(json.contains("{\"number\": 2, \"case\": \"value: a value of 16 KiB\", \"plain\": \"pass\""), json);
        assertFalse(json.contains("\u0001"));
    }
}
