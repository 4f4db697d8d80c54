package dev.kvgate.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.testkit.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The command end to end against kvgate in this JVM, a few cases over both transports; exit statuses. */
@Timeout(60)
class CheckTest {
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start("");
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run check(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Check.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String[] targets(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "--target", "127.0.0.1:" + gateway.port(TransportKind.PLAIN),
                "--tls-target", "127.0.0.1:" + gateway.port(TransportKind.TLS),
                "--cacert", gateway.pki().caCert().toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void passesOverBothTransportsWithProgressLines() {
        Run r = check(targets("--strict-texts", "--only", "^misc: NOOP|^framing: a SET and a GET sent one byte"
                + "|^tls: the handshake|^pipeline: a quiet pipeline ended by GETK"));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("4 cases, 7 runs: 7 pass, 0 fail, 0 unsupported; 0 cases differ"), r.out());
        assertTrue(r.out().contains("Plain vs TLS: every case that ran over both had the same outcome."), r.out());
        assertTrue(r.err().contains("[7/7] #"), r.err());
    }

    @Test
    void printsJsonInsteadOfTheTable() {
        Run r = check(targets("--only", "^misc: NOOP", "--json"));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("{\n  \"tool\": \"kvgate check\""), r.out());
        assertTrue(r.out().contains("\"ok\": true"), r.out());
    }

    @Test
    void anUnreachableTargetExitsOneAndBadOptionsTwo() {
        Run unreachable = check("--target", "127.0.0.1:" + FreePorts.next(), "--only", "NOOP");
        assertEquals(1, unreachable.exit());
        assertTrue(unreachable.err().startsWith("kvgate check: cannot use 127.0.0.1:"), unreachable.err());
        Run plainOnlyTls = check("--target", "127.0.0.1:1", "--only", "^tls: ");
        assertEquals(2, plainOnlyTls.exit());
        assertTrue(plainOnlyTls.err().contains("no case selected runs over the target"), plainOnlyTls.err());
        assertEquals(2, check("--target").exit());
        assertEquals(0, check("--help").exit());
    }

    @Test
    void listsEveryCaseOnceWithItsNumber() {
        Run r = check("--list");
        assertEquals(0, r.exit());
        List<String> lines = r.out().lines().toList();
        assertEquals(Suite.cases().size(), lines.size());
        assertTrue(lines.get(0).startsWith("   1  stat: "), lines.get(0));
        Set<String> titles = new HashSet<>();
        for (Case c : Suite.cases()) {
            assertTrue(titles.add(c.title()), "two cases are called " + c.title());
        }
    }
}
