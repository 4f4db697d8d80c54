package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.testcerts.TestPki;
import dev.kvgate.testkit.FreePorts;
import dev.kvgate.testkit.MemcachedProcess;
import dev.kvgate.tls.ClientTls;
import dev.kvgate.tls.KeyType;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small container as the image runs it (Dockerfile): the JVM options of jvm-small.options from
 * JDK_JAVA_OPTIONS, glibc's malloc settings, and a class-data archive made by {@code kvgate train}
 * under those options; then the gateway started with the archive required ({@code -Xshare:on} on
 * JDK 17, {@code -XX:AOTMode=on} with the AOT cache on JDK 25, so an archive that cannot be used fails
 * the start instead of being skipped), configured as the k8s sidecar (JSON logs, TLS to a memcached
 * -Z shard) plus a TLS listener with a configured certificate, and serving small and large values
 * over both transports and the probes. Checks that it works, never how fast or how small: that is
 * bench/footprint.sh's job.
 */
@Timeout(300)
class SmallContainerIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path JAR = ROOT.resolve("gateway/target/kvgate.jar");
    private static final Path OPTIONS = ROOT.resolve("gateway/src/main/dist/jvm-small.options");
    /** Where a Temurin 25 JDK is installed on the project's machines; the test fails where it is not. */
    private static final Path JDK_25 = Path.of("/usr/lib/jvm");

    @TempDir
    Path dir;

    @Test
    void jdk17ClassDataArchiveFromTrainServesBothTransports() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path archive = dir.resolve("kvgate.jsa");
        train(java, "-XX:ArchiveClassesAtExit=" + archive);
        assertTrue(Files.size(archive) > 0, "no archive written");
        serve(java, List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive));
    }

    @Test
    void jdk25AotCacheFromTrainServesBothTransports() throws Exception {
        Path java = temurin25();
        assertNotNull(java, "no Temurin 25 JDK in " + JDK_25 + ": the project's machines have one; install it to run this test");
        Path cache = dir.resolve("kvgate.aot");
        train(java, "-XX:AOTCacheOutput=" + cache);
        assertTrue(Files.size(cache) > 0, "no AOT cache written");
        serve(java, List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache));
    }

    private static Path temurin25() throws IOException {
        if (!Files.isDirectory(JDK_25)) {
            return null;
        }
        try (Stream<Path> jdks = Files.list(JDK_25)) {
            return jdks.filter(p -> p.getFileName().toString().startsWith("temurin-25"))
                    .map(p -> p.resolve("bin/java")).filter(Files::isExecutable).findFirst().orElse(null);
        }
    }

    /** The image's environment: the options file through JDK_JAVA_OPTIONS, glibc's malloc settings. */
    private static ProcessBuilder image(Path java, List<String> args) {
        assertTrue(Files.isRegularFile(JAR), JAR + " missing: the gateway module's package phase builds it");
        List<String> command = new ArrayList<>(List.of(java.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(Map.of("JDK_JAVA_OPTIONS", "@" + OPTIONS, "MALLOC_ARENA_MAX", "2",
                "MALLOC_MMAP_THRESHOLD_", "131072"));
        return pb;
    }

    private void train(Path java, String archiveOption) throws Exception {
        Path log = dir.resolve("train.log");
        Process p = image(java, List.of(archiveOption, "-jar", JAR.toString(), "train"))
                .redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "kvgate train still running after 180 s");
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("requests through a TLS and plain gateway; done"), text);
    }

    private void serve(Path java, List<String> archive) throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC);
        Path log = dir.resolve("kvgate.log");
        Process kvgate = null;
        try (MemcachedProcess shard = MemcachedProcess.builder().tls(pki.serverChain(), pki.serverKey()).start()) {
            int plainPort = FreePorts.next();
            int tlsPort = FreePorts.next();
            int adminPort = FreePorts.next();
            Path conf = dir.resolve("kvgate.conf");
            Files.writeString(conf, "kvgate {\n"
                    + "  io-threads = 1\n"
                    + "  listeners = [ { name = plain, host = \"127.0.0.1\", port = " + plainPort + " },\n"
                    + "                { name = tls, host = \"127.0.0.1\", port = " + tlsPort + ", tls = true } ]\n"
                    + "  tls { cert-chain = \"" + pki.serverChain() + "\", private-key = \"" + pki.serverKey() + "\" }\n"
                    + "  shards = [ { address = \"127.0.0.1:" + shard.port() + "\", tls = true } ]\n"
                    + "  backend-tls.trust = \"" + pki.caCert() + "\"\n"
                    + "  admin { host = \"127.0.0.1\", port = " + adminPort + " }\n"
                    + "  log.format = json\n"
                    + "}\n");
            List<String> args = new ArrayList<>(archive);
            args.addAll(List.of("-jar", JAR.toString(), "-c", conf.toString()));
            kvgate = image(java, args).redirectOutput(log.toFile()).start();
            String started = awaitLog(log, kvgate, "kvgate listening");
            assertTrue(started.contains("memory budget for large frames: 16 MiB (direct-memory limit 32 MiB)"),
                    "jvm-small.options in force:\n" + started);

            SslContext tls = ClientTls.trustingCertificates(pki.caCertificate());
            byte[] large = new byte[300 * 1024];
            Arrays.fill(large, (byte) 'L');
            for (boolean overTls : new boolean[] {false, true}) {
                try (McbpClient c = overTls ? McbpClient.connect("127.0.0.1", tlsPort, tls)
                        : McbpClient.connect("127.0.0.1", plainPort)) {
                    String k = overTls ? "small-tls" : "small-plain";
                    assertEquals(0, c.set(k, "v").status());
                    Response got = c.get(k);
                    assertEquals(0, got.status());
                    assertEquals("v", new String(got.value(), StandardCharsets.UTF_8));
                    assertEquals(0, c.call(Request.set(k + "-large", large)).status());
                    Response big = c.get(k + "-large");
                    assertEquals(0, big.status());
                    assertArrayEquals(large, big.value());
                }
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            for (String path : List.of("/healthz", "/readyz", "/metrics")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort + path)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), path + ": " + r.body());
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(!text.contains("OutOfMemoryError") && !text.contains("[warning][cds]")
                    && !text.contains("[warning][aot]"), text);
        } finally {
            if (kvgate != null) {
                kvgate.destroy();
                if (!kvgate.waitFor(30, TimeUnit.SECONDS)) {
                    kvgate.destroyForcibly();
                }
            }
        }
    }

    private static String awaitLog(Path log, Process p, String marker) throws Exception {
        Await.until(Duration.ofSeconds(60), "'" + marker + "' in the log", () -> {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (!text.contains(marker) && !p.isAlive()) {
                throw new AssertionError("kvgate exited with " + p.exitValue() + ":\n" + text);
            }
            return text.contains(marker);
        });
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
