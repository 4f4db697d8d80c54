package dev.kvgate.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CheckOptionsTest {

    private static CheckOptions parse(String... args) throws CheckOptions.Invalid {
        return CheckOptions.parse(args);
    }

    private static String refused(String... args) {
        return assertThrows(CheckOptions.Invalid.class, () -> CheckOptions.parse(args)).getMessage();
    }

    @Test
    void targetsCertificatesAndReports() throws Exception {
        CheckOptions o = parse("--target", "10.0.0.5:11211", "--tls-target=[::1]:11207", "--cacert", "ca.pem",
                "--cert", "c.pem", "--key", "k.pem", "--report", "r.xml", "--json", "--strict-texts");
        assertEquals(new CheckOptions.Address("10.0.0.5", 11211), o.target().orElseThrow());
        assertEquals(new CheckOptions.Address("::1", 11207), o.tlsTarget().orElseThrow());
        assertEquals(Path.of("ca.pem"), o.caCert().orElseThrow());
        assertEquals(Path.of("r.xml"), o.report().orElseThrow());
        assertTrue(o.json());
        assertTrue(o.strictTexts());
        assertEquals(CheckOptions.DEFAULT_TIMEOUT, o.timeout());
        assertEquals(java.time.Duration.ofMillis(500), parse("--target", "h:1", "--timeout", "500ms").timeout());
        assertEquals(java.time.Duration.ofSeconds(3), parse("--target", "h:1", "--timeout=3s").timeout());
    }

    @Test
    void eitherTargetAloneIsEnough() throws Exception {
        assertTrue(parse("--target", "localhost:11211").tlsTarget().isEmpty());
        assertTrue(parse("--tls-target", "localhost:11207").target().isEmpty());
        assertTrue(parse("--help").help());
        assertTrue(parse("--list").list());
    }

    @Test
    void refusesWhatCannotWork() {
        assertTrue(refused().contains("--target"));
        assertTrue(refused("--target", "localhost").contains("HOST:PORT"));
        assertTrue(refused("--target", "localhost:0").contains("1 to 65535"));
        assertTrue(refused("--target", "::1:11211").contains("HOST:PORT"));
        assertTrue(refused("--target", "h:1", "--cacert", "ca.pem").contains("need --tls-target"));
        assertTrue(refused("--tls-target", "h:1", "--cert", "c.pem").contains("go together"));
        assertTrue(refused("--target", "h:1", "--only", "(").contains("not a regular expression"));
        assertTrue(refused("--target", "h:1", "--json=yes").contains("takes no value"));
        assertTrue(refused("--target").contains("needs a value"));
        assertTrue(refused("--target", "h:1", "--bogus").contains("unknown option --bogus"));
        assertTrue(refused("--target", "h:1", "--timeout", "2").contains("such as 2s"));
        assertTrue(refused("--target", "h:1", "--timeout", "10ms").contains("between 100ms and 600s"));
    }

    @Test
    void onlyAndSkipMatchGroupAndNameAnywhereIgnoringCase() throws Exception {
        Case tls = Case.tls("TLSv1.3 offered alone is accepted", ctx -> Outcome.pass(""));
        Case value = Case.code("value", "a value of 16 KiB", ctx -> Outcome.pass(""));
        CheckOptions all = parse("--target", "h:1");
        assertTrue(all.selects(tls) && all.selects(value));
        CheckOptions only = parse("--target", "h:1", "--only", "^TLS: ", "--only", "16 kib");
        assertTrue(only.selects(tls) && only.selects(value));
        CheckOptions skip = parse("--target", "h:1", "--only", "tls|value", "--skip", "v1\\.3");
        assertFalse(skip.selects(tls));
        assertTrue(skip.selects(value));
    }
}
