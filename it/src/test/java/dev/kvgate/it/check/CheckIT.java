package dev.kvgate.it.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.check.Check;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.it.Shards;
import dev.kvgate.testcerts.TestPki;
import dev.kvgate.testkit.MemcachedProcess;
import dev.kvgate.tls.KeyType;
import dev.kvgate.tls.Pem;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code kvgate check} against real servers over both transports: memcached (one process serving
 * plain and -Z TLS), kvgate on its embedded shards, kvgate in front of memcached shards. Each passes,
 * apart from the memcached TLS bugs the suite found, which are pinned here so a memcached that fixes
 * them is noticed. And against faulty servers, where it must fail and name the case.
 *
 * <p>The three full runs are independent servers and mostly wait on the network: they run at once.
 */
@Timeout(150)
class CheckIT {
    /**
     * memcached 1.6 -Z: after swallowing a too-large value, requests pipelined behind it are never
     * answered over TLS (over plain TCP they are).
     */
    static final String MEMCACHED_TLS_SWALLOW = "SETQ of 2 MiB answers 0x03 in its place";
    /** memcached 1.6 -Z with ssl_verify_mode: a handshake resuming a session gets an internal_error alert. */
    static final String MEMCACHED_VERIFY_RESUMPTION = "a resumed session carries requests";

    private static Path dir;
    private static TestPki pki;
    private static MemcachedProcess memcached;
    private static MemcachedProcess verifying;
    private static Shards shards;
    private static GatewayFixture embedded;
    private static GatewayFixture proxy;
    private static ExecutorService runs;
    private static CompletableFuture<Run> memcachedRun;
    private static CompletableFuture<Run> embeddedRun;
    private static CompletableFuture<Run> proxyRun;

    /** One run of check: its exit status, what it printed, and the JUnit XML it wrote. */
    record Run(int exit, String out, String err, Document junit) {
        String shown() {
            return out + "\n--- stderr (last 3000 chars) ---\n" + err.substring(Math.max(0, err.length() - 3000));
        }

        /** The names of the test cases of {@code suite} ("plain", "tls" or "plain-vs-tls") that failed. */
        List<String> failed(String suite) {
            List<String> names = new ArrayList<>();
            NodeList cases = junit.getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                if (c.getAttribute("classname").startsWith("kvgate.check." + suite + ".")
                        && c.getElementsByTagName("failure").getLength() > 0) {
                    names.add(c.getAttribute("name"));
                }
            }
            return names;
        }

        int testcases(String suite) {
            int n = 0;
            NodeList cases = junit.getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                n += ((Element) cases.item(i)).getAttribute("classname").startsWith("kvgate.check." + suite + ".")
                        ? 1 : 0;
            }
            return n;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("kvgate-check-it");
        pki = TestPki.create(dir.resolve("pki"), KeyType.EC);
        memcached = MemcachedProcess.builder().memoryMb(64).tls(pki.serverChain(), pki.serverKey()).alsoPlain().start();
        verifying = MemcachedProcess.builder().memoryMb(16).tls(pki.serverChain(), pki.serverKey())
                .extraArgs("-o", "ssl_ca_cert=" + pki.caCert() + ",ssl_verify_mode=2").start();
        shards = Shards.start(2);
        embedded = GatewayFixture.start(p -> "kvgate.tls { client-auth = require, trust = \"" + p.caCert() + "\" }\n");
        proxy = GatewayFixture.start(shards.hocon());
        runs = Executors.newFixedThreadPool(3);
        memcachedRun = run("memcached", "--target", "127.0.0.1:" + memcached.plainPort(),
                "--tls-target", "127.0.0.1:" + memcached.port(), "--cacert", pki.caCert().toString(),
                "--strict-texts", "--skip", MEMCACHED_TLS_SWALLOW);
        embeddedRun = run("embedded", "--target", "127.0.0.1:" + embedded.port(dev.kvgate.gateway.TransportKind.PLAIN),
                "--tls-target", "127.0.0.1:" + embedded.port(dev.kvgate.gateway.TransportKind.TLS),
                "--cacert", embedded.pki().caCert().toString(), "--cert", embedded.pki().clientChain().toString(),
                "--key", embedded.pki().clientKey().toString(), "--strict-texts");
        proxyRun = run("proxy", "--target", "127.0.0.1:" + proxy.port(dev.kvgate.gateway.TransportKind.PLAIN),
                "--tls-target", "127.0.0.1:" + proxy.port(dev.kvgate.gateway.TransportKind.TLS),
                "--cacert", proxy.pki().caCert().toString(), "--strict-texts");
    }

    @AfterAll
    static void stop() throws Exception {
        if (runs != null) {
            runs.shutdownNow();
            runs.awaitTermination(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : new AutoCloseable[] {proxy, embedded, shards, verifying, memcached}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the next one still closes
            }
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static CompletableFuture<Run> run(String name, String... args) {
        return CompletableFuture.supplyAsync(() -> check(name, args), runs);
    }

    /** Runs check in this JVM, progress as plain lines, with a JUnit report. */
    static Run check(String name, String... args) {
        try {
            Path report = Files.createTempFile(dir, name + "-", ".xml");
            List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of("--report", report.toString()));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit;
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                exit = Check.run(all.toArray(String[]::new), o, e);
            }
            Document junit = Files.size(report) == 0 ? null
                    : DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), junit);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void passesOnMemcachedOverPlainAndTls() throws Exception {
        Run r = memcachedRun.get(140, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.shown());
        assertTrue(r.testcases("tls") > r.testcases("plain"), "the TLS cases ran too:\n" + r.shown());
    }

    @Test
    void passesOnKvgateEmbeddedOverPlainAndTls() throws Exception {
        Run r = embeddedRun.get(140, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.shown());
        assertTrue(r.out().contains("--cert accepted"), "kvgate asked for the client certificate:\n" + r.shown());
    }

    @Test
    void passesOnKvgateWithMemcachedShardsOverPlainAndTls() throws Exception {
        Run r = proxyRun.get(140, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.shown());
    }

    /** If this fails, the memcached in use answers behind a swallowed value over TLS: drop the --skip above. */
    @Test
    void findsMemcachedLeavingRequestsBehindATooLargeValueUnansweredOverTls() {
        Run r = check("memcached-swallow", "--target", "127.0.0.1:" + memcached.plainPort(),
                "--tls-target", "127.0.0.1:" + memcached.port(), "--cacert", pki.caCert().toString(),
                "--only", MEMCACHED_TLS_SWALLOW, "--timeout", "2s");
        assertEquals(1, r.exit(), r.shown());
        assertEquals(List.of(), r.failed("plain"), r.shown());
        assertEquals(1, r.failed("tls").size(), r.shown());
        assertTrue(r.failed("tls").get(0).contains(MEMCACHED_TLS_SWALLOW), r.shown());
        assertEquals(r.failed("tls"), r.failed("plain-vs-tls"), r.shown());
        assertTrue(r.out().contains("Plain vs TLS: 1 case differs"), r.shown());
    }

    /**
     * memcached asking for client certificates: the certificate cases pass; resumption is refused
     * (pinned: if this fails, the memcached in use resumes sessions with verification on).
     */
    @Test
    void clientCertificatesOnMemcachedThatAsksForThem() {
        String[] common = {"--tls-target", "127.0.0.1:" + verifying.port(), "--cacert", pki.caCert().toString(),
            "--cert", pki.clientChain().toString(), "--key", pki.clientKey().toString()};
        Run r = check("memcached-verify", concat(common, "--only", "^tls: ", "--skip", MEMCACHED_VERIFY_RESUMPTION));
        assertEquals(0, r.exit(), r.shown());
        assertTrue(r.out().contains("asked for one; --cert accepted"), r.shown());
        assertTrue(r.out().contains("self-signed client certificate is refused when the server asks for one [tls]:"
                + " refused"), r.shown());
        Run resumed = check("memcached-verify-resume", concat(common, "--only", MEMCACHED_VERIFY_RESUMPTION));
        assertEquals(1, resumed.exit(), resumed.shown());
        assertTrue(resumed.out().contains("failed its handshake"), resumed.shown());
    }

    @Test
    void failsNamingTheCaseOnAServerThatDropsTheErrorOfAFailedQuietCommand() throws Exception {
        try (FaultyServer faulty = FaultyServer.start(FaultyServer.Fault.DROPS_QUIET_ERRORS, memcached.plainPort(),
                serverTls())) {
            Run r = check("drops-quiet-errors", "--target", "127.0.0.1:" + faulty.plainPort(),
                    "--tls-target", "127.0.0.1:" + faulty.tlsPort(), "--cacert", pki.caCert().toString(),
                    "--only", "^pipeline: ");
            assertEquals(1, r.exit(), r.shown());
            for (String transport : List.of("plain", "tls")) {
                assertTrue(r.failed(transport).stream().anyMatch(
                        n -> n.contains("a quiet pipeline ended by NOOP answers only its failing command")), r.shown());
                assertTrue(r.failed(transport).stream().anyMatch(
                        n -> n.contains("a quiet pipeline ended by GETK answers only its failing command")), r.shown());
            }
            assertTrue(r.out().contains("no answer, expected status 0x0002"), r.shown());
        }
    }

    @Test
    void failsNamingTheCaseOnAServerThatAnswersAPipelineOutOfOrder() throws Exception {
        try (FaultyServer faulty = FaultyServer.start(FaultyServer.Fault.ANSWERS_OUT_OF_ORDER, memcached.plainPort(),
                serverTls())) {
            Run r = check("out-of-order", "--target", "127.0.0.1:" + faulty.plainPort(), "--only", "^pipeline: ");
            assertEquals(1, r.exit(), r.shown());
            assertTrue(r.failed("plain").stream().anyMatch(n -> n.contains("a 100-deep pipeline")), r.shown());
            assertTrue(r.out().contains("out of order"), r.shown());
        }
    }

    @Test
    void failsNamingTheCaseAndTheDifferenceOnAServerThatClosesAfterA16KiBValueOverTls() throws Exception {
        try (FaultyServer faulty = FaultyServer.start(FaultyServer.Fault.CLOSES_AFTER_16_KIB_OVER_TLS,
                memcached.plainPort(), serverTls())) {
            Run r = check("closes-after-16k", "--target", "127.0.0.1:" + faulty.plainPort(),
                    "--tls-target", "127.0.0.1:" + faulty.tlsPort(), "--cacert", pki.caCert().toString(),
                    "--only", "^value: a value of ");
            assertEquals(1, r.exit(), r.shown());
            assertEquals(List.of(), r.failed("plain"), r.shown());
            assertEquals(1, r.failed("tls").size(), r.shown());
            assertTrue(r.failed("tls").get(0).contains("a value of 16 KiB (16384 bytes)"), r.shown());
            assertEquals(r.failed("tls"), r.failed("plain-vs-tls"), "the difference names the same case:\n"
                    + r.shown());
        }
    }

    /** The shipped jar dispatches to check, exits 0 on a pass, and writes the report. */
    @Test
    void runsFromTheJar() throws Exception {
        Path jar = Path.of("..", "gateway", "target", "kvgate.jar").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), jar + " missing: the gateway module's package phase builds it");
        Path report = dir.resolve("jar-report.xml");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-jar", jar.toString(), "check", "--target", "127.0.0.1:" + memcached.plainPort(),
                "--only", "^misc: NOOP", "--report", report.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("1 case, 1 run: 1 pass, 0 fail, 0 unsupported"), output);
        assertTrue(Files.readString(report).contains("<testcase classname=\"kvgate.check.plain.misc\""),
                Files.readString(report));
    }

    private static SslContext serverTls() throws Exception {
        return SslContextBuilder.forServer(Pem.readPrivateKey(pki.serverKey(), Optional.empty()),
                Pem.readCertificates(pki.serverChain()).toArray(X509Certificate[]::new)).build();
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
