package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.testkit.FreePorts;
import dev.kvgate.tls.Fingerprints;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The shipped jar, as a user runs it: embedded shards, generated certificate, exit codes, SIGTERM/SIGINT. */
@Timeout(120)
class JarIT {
    private static final Path JAR = Path.of("..", "gateway", "target", "kvgate.jar").toAbsolutePath().normalize();
    private static final Pattern FINGERPRINT = Pattern.compile("SHA-256 fingerprint ([0-9A-F:]{95})");

    private static Process start(Path dir, String... args) throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " missing: the gateway module's package phase builds it");
        // coreutils' env resets the signals a background job inherits as ignored (SIGINT, SIGQUIT from a
        // shell without job control), then execs java: the jar sees the signals a service manager gives it.
        List<String> command = new java.util.ArrayList<>(List.of("env", "--default-signal=INT,QUIT,HUP,TERM",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("kvgate.log").toFile()).start();
    }

    private static String awaitLog(Path dir, Process p, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String log = Files.readString(dir.resolve("kvgate.log"), StandardCharsets.UTF_8);
            if (log.contains(marker)) {
                return log;
            }
            if (!p.isAlive()) {
                throw new AssertionError("kvgate exited with " + p.exitValue() + ":\n" + log);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + marker + "' in the log:\n" + Files.readString(dir.resolve("kvgate.log")));
    }

    /** Trusts exactly the certificate whose fingerprint kvgate logged. */
    private static SslContext pinned(String fingerprint) throws Exception {
        X509TrustManager pin = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("client side only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                String seen = Fingerprints.sha256(chain[0]);
                if (!seen.equals(fingerprint)) {
                    throw new CertificateException("server certificate " + seen + " is not the logged " + fingerprint);
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        return SslContextBuilder.forClient().trustManager(pin).build();
    }

    @Test
    void servesOnEmbeddedShardsWithAGeneratedCertificateAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        int plain = FreePorts.next();
        int tls = FreePorts.next();
        Path conf = dir.resolve("kvgate.conf");
        Files.writeString(conf, "kvgate { io-threads = 1, listeners = [ { name = plain, host = \"127.0.0.1\", port = "
                + plain + " }, { name = tls, host = \"127.0.0.1\", port = " + tls + ", tls = true } ],"
                + " admin { host = \"127.0.0.1\", port = 0 } }\n");
        Process p = start(dir, "-c", conf.toString());
        try {
            String log = awaitLog(dir, p, "kvgate listening");
            assertTrue(log.contains("embedded shards"), log);
            assertTrue(log.contains("TLS engine"), "the provider in use is logged:\n" + log);
            Matcher m = FINGERPRINT.matcher(log);
            assertTrue(m.find(), "the generated certificate's fingerprint is logged:\n" + log);
            try (McbpClient c = McbpClient.connect("127.0.0.1", plain)) {
                assertEquals(0, c.set("jar-key", "from-plain").status());
            }
            try (McbpClient c = McbpClient.connect("127.0.0.1", tls, pinned(m.group(1)))) {
                assertEquals("from-plain", c.get("jar-key").valueString());
            }
        } finally {
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "kvgate stops on SIGTERM");
        }
        String log = Files.readString(dir.resolve("kvgate.log"));
        assertTrue(log.contains("kvgate stopped"), log);
        assertEquals(0, p.exitValue(), log);
    }

    /** kvgate on loopback ports, serving, with one client connection open. */
    private static Process startServing(Path dir, int plain) throws Exception {
        Path conf = dir.resolve("kvgate.conf");
        Files.writeString(conf, "kvgate { io-threads = 1, embedded.shards = 1, listeners = [ { name = plain, host = \"127.0.0.1\", "
                + "port = " + plain + " }, { name = tls, host = \"127.0.0.1\", port = " + FreePorts.next()
                + ", tls = true } ], admin { host = \"127.0.0.1\", port = 0 } }\n");
        Process p = start(dir, "-c", conf.toString());
        awaitLog(dir, p, "kvgate listening");
        return p;
    }

    /** Waits for the exit after a stop signal and returns the log; never a fixed sleep. */
    private static String awaitExit(Path dir, Process p, String signal) throws Exception {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kvgate still running 60s after " + signal + ":\n"
                    + Files.readString(dir.resolve("kvgate.log")));
        }
        return Files.readString(dir.resolve("kvgate.log"));
    }

    @Test
    void sigtermDrainsAndExitsZero(@TempDir Path dir) throws Exception {
        int plain = FreePorts.next();
        Process p = startServing(dir, plain);
        try (McbpClient c = McbpClient.connect("127.0.0.1", plain)) {
            assertEquals(0, c.set("term-key", "v").status());
            p.destroy(); // SIGTERM on Linux
            String log = awaitExit(dir, p, "SIGTERM");
            assertEquals(0, p.exitValue(), log);
            assertTrue(log.contains("SIGTERM: draining"), log);
            assertTrue(log.contains("kvgate stopped"), log);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void sigintDrainsAndExitsZero(@TempDir Path dir) throws Exception {
        int plain = FreePorts.next();
        Process p = startServing(dir, plain);
        try {
            // start() reset SIGINT to its default, so kvgate's own handler is what answers it.
            assertFalse(ignores(p.pid(), 2), "SIGINT still ignored by the started jar");
            try (McbpClient c = McbpClient.connect("127.0.0.1", plain)) {
                assertEquals(0, c.set("int-key", "v").status());
            }
            // The shell's kill builtin: no procps needed.
            Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -INT " + p.pid()).inheritIO().start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, kill.exitValue());
            String log = awaitExit(dir, p, "SIGINT");
            assertEquals(0, p.exitValue(), log);
            assertTrue(log.contains("SIGINT: draining"), log);
            assertTrue(log.contains("kvgate stopped"), log);
        } finally {
            p.destroyForcibly();
        }
    }

    /** Whether the process ignores signal {@code number}, from the SigIgn mask in /proc. */
    private static boolean ignores(long pid, int number) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << (number - 1))) != 0;
            }
        }
        return false;
    }

    @Test
    void versionPrintsTheJarsVersionAndExitsZero(@TempDir Path dir) throws Exception {
        String manifest;
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(JAR.toFile())) {
            manifest = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
        }
        assertTrue(manifest != null && manifest.matches("\\d+\\.\\d+\\.\\d+.*"), "Implementation-Version " + manifest);
        Process p = start(dir, "--version");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertEquals("kvgate " + manifest + "\n", Files.readString(dir.resolve("kvgate.log")));
    }

    @Test
    void aTruncatedConfigurationFileExitsWithTwoNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("cut.conf");
        Files.writeString(conf, "kvgate {\n  shards = [\n");
        Process p = start(dir, "-c", conf.toString());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertEquals("kvgate: invalid configuration: " + conf
                + " line 3: expecting a close bracket ']' but reached the end of the file\n",
                Files.readString(dir.resolve("kvgate.log")));
    }

    @Test
    void invalidConfigurationExitsWithTwoAndOneLine(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "kvgate.shards = [\"127.0.0.1:11211\", \"foo\"]\n");
        Process p = start(dir, "-c", conf.toString());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        String output = Files.readString(dir.resolve("kvgate.log"));
        assertEquals("kvgate: invalid configuration: kvgate.shards[1]: \"foo\" is not host:port\n", output);
    }

    /**
     * SIGHUP reloads the file (its watch is off here, so only the signal does): a shard added and one
     * removed under a client connection that stays open, one line per changed setting and one per
     * setting that needs a restart; an invalid file is refused with the start's own error, and the
     * process keeps serving.
     */
    @Test
    void sighupReloadsShardsLiveAndRefusesAnInvalidFile(@TempDir Path dir) throws Exception {
        int plain = FreePorts.next();
        Path conf = dir.resolve("kvgate.conf");
        try (Shards shards = Shards.start(2)) {
            String listeners = "listeners = [ { name = plain, host = \"127.0.0.1\", port = " + plain + " } ]";
            Files.writeString(conf, "kvgate { io-threads = 1, " + listeners + ", admin.enabled = false,"
                    + " reload.watch-interval = 0s, shards = [\"" + shards.get(0).address() + "\"] }\n");
            Process p = start(dir, "-c", conf.toString());
            try (AutoCloseable stop = () -> {
                p.destroy();
                p.waitFor(20, TimeUnit.SECONDS);
            }) {
                awaitLog(dir, p, "configuration reload: on SIGHUP");
                try (McbpClient c = McbpClient.connect("127.0.0.1", plain)) {
                    assertEquals(0, c.set("hup-key", "one").status());
                    Files.writeString(conf, "kvgate { io-threads = 2, " + listeners + ", admin.enabled = false,"
                            + " reload.watch-interval = 0s, limits.max-in-flight = 512,"
                            + " shards = [\"" + shards.get(1).address() + "\"] }\n");
                    signal(p, "HUP");
                    String log = awaitLog(dir, p, "topology from kvgate.shards: 1 shards, added "
                            + shards.get(1).address() + ", removed " + shards.get(0).address());
                    assertTrue(log.contains("reload (SIGHUP): kvgate.limits.max-in-flight: 1024 -> 512"), log);
                    assertTrue(log.contains("reload (SIGHUP): kvgate.io-threads: 1 -> 2 needs a restart;"
                            + " the running value stays"), log);
                    assertTrue(log.contains("reload (SIGHUP): kvgate.shards: "), log);
                    assertTrue(log.contains("reload (SIGHUP): 3 setting(s) changed, 1 of them need(s) a restart"), log);
                    assertEquals(0, c.set("hup-key", "two").status(), "the same connection goes on");
                    try (McbpClient direct = McbpClient.connect("127.0.0.1", shards.get(1).port())) {
                        assertEquals("two", direct.get("hup-key").valueString(), "written to the new shard");
                    }

                    Files.writeString(conf, "kvgate { " + listeners + ", shards = [\"nowhere\"] }\n");
                    signal(p, "HUP");
                    log = awaitLog(dir, p, "reload (SIGHUP) refused: invalid configuration: kvgate.shards[0]:"
                            + " \"nowhere\" is not host:port; the running configuration stays");
                    assertEquals("two", c.get("hup-key").valueString(), "still serving from the running topology");
                }
            }
            assertEquals(0, p.exitValue());
        }
    }

    private static void signal(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }
}
