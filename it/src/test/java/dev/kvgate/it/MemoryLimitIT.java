package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kvgate as a sidecar in a small container: its own JVM with -Xmx64m -XX:MaxDirectMemorySize=48m,
 * real memcached shards, and many TLS and plain connections each sending and reading back values of
 * 100 to 900 KB at once, several times what the direct memory could hold if every frame were
 * buffered. Every request must get its own value back, no OutOfMemoryError and no leak report may
 * appear in kvgate's log, and kvgate must serve normally afterwards.
 */
@Timeout(300)
class MemoryLimitIT {
    private static final Path JAR = Path.of("..", "gateway", "target", "kvgate.jar").toAbsolutePath().normalize();
    private static final int TLS_CONNECTIONS = 100;
    private static final int PLAIN_CONNECTIONS = 20;
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    private static String awaitLog(Path log, Process p, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            if (text.contains(marker)) {
                return text;
            }
            if (!p.isAlive()) {
                throw new AssertionError("kvgate exited with " + p.exitValue() + ":\n" + text);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + marker + "' in the log:\n" + Files.readString(log));
    }

    @Test
    void manyConnectionsWithLargeValuesUnderASmallDirectMemoryLimit() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC);
        List<MemcachedProcess> shards = new ArrayList<>();
        Process kvgate = null;
        Path log = dir.resolve("kvgate.log");
        try {
            for (int i = 0; i < 2; i++) {
                shards.add(MemcachedProcess.builder().memoryMb(256).start());
            }
            int plainPort = FreePorts.next();
            int tlsPort = FreePorts.next();
            Path conf = dir.resolve("kvgate.conf");
            Files.writeString(conf, "kvgate {\n"
                    + "  io-threads = 2\n"
                    + "  listeners = [ { name = plain, host = \"127.0.0.1\", port = " + plainPort + " },\n"
                    + "                { name = tls, host = \"127.0.0.1\", port = " + tlsPort + ", tls = true } ]\n"
                    + "  tls { cert-chain = \"" + pki.serverChain() + "\", private-key = \"" + pki.serverKey() + "\" }\n"
                    + "  shards = [\"" + shards.get(0).address() + "\", \"" + shards.get(1).address() + "\"]\n"
                    // A loaded 2-core machine moves 900 KB values through TLS twice: no false timeouts.
                    + "  backend.request-timeout = 30s\n"
                    + "}\n");
            kvgate = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m", "-XX:MaxDirectMemorySize=48m",
                    // kvgate turns leak detection off unless told; this test reads its reports.
                    "-Dio.netty.leakDetection.level=simple", "-jar", JAR.toString(), "-c", conf.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            awaitLog(log, kvgate, "kvgate listening");

            SslContext tls = ClientTls.trustingCertificates(pki.caCertificate());
            AtomicLong ok = new AtomicLong();
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < TLS_CONNECTIONS + PLAIN_CONNECTIONS; c++) {
                boolean overTls = c < TLS_CONNECTIONS;
                int id = c;
                McbpClient client = McbpClient.connect("127.0.0.1", overTls ? tlsPort : plainPort, overTls ? tls : null);
                Thread t = new Thread(() -> {
                    Random random = new Random(id);
                    try (client) {
                        for (int round = 0; round < ROUNDS; round++) {
                            byte[] value = new byte[100_000 + random.nextInt(800_001)];
                            random.nextBytes(value);
                            String key = "big-" + id;
                            List<CompletableFuture<Response>> f = client.sendAll(List.of(
                                    Request.set(key, value), Request.get(key)));
                            Response set = McbpClient.await(f.get(0), Duration.ofSeconds(120));
                            Response get = McbpClient.await(f.get(1), Duration.ofSeconds(120));
                            if (set.status() != 0 || get.status() != 0) {
                                problems.add(key + " round " + round + ": set 0x" + Integer.toHexString(set.status())
                                        + " get 0x" + Integer.toHexString(get.status()));
                            } else if (!java.util.Arrays.equals(value, get.value())) {
                                problems.add(key + " round " + round + ": another value came back");
                            } else {
                                ok.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        problems.add("connection " + id + (overTls ? " (TLS)" : " (plain)") + ": " + e);
                    }
                }, "large-" + c);
                threads.add(t);
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(240));
                assertFalse(t.isAlive(), t.getName() + " still waiting for an answer");
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(problems.isEmpty(), problems.size() + " problems, e.g. " + problems.peek() + "\n" + text);
            assertEquals((long) (TLS_CONNECTIONS + PLAIN_CONNECTIONS) * ROUNDS, ok.get());
            assertFalse(text.contains("OutOfMemoryError"), text);
            assertFalse(text.contains("LEAK:"), text);

            try (McbpClient after = McbpClient.connect("127.0.0.1", tlsPort, tls)) {
                assertEquals(0, after.set("after", "ok").status(), "kvgate serves normally afterwards");
                assertEquals("ok", after.get("after").valueString());
            }
        } finally {
            if (kvgate != null) {
                kvgate.destroy();
                if (!kvgate.waitFor(30, TimeUnit.SECONDS)) {
                    kvgate.destroyForcibly();
                }
            }
            shards.forEach(MemcachedProcess::close);
        }
    }
}
