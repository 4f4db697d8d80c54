package dev.kvgate.gateway.server;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.config.LogSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.log.LogFormat;
import dev.kvgate.mcbp.Opcode;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * The {@code train} command: takes a gateway through what a production start and its first requests
 * load, in this JVM, then exits, so that a class-data archive made from the run
 * ({@code -XX:ArchiveClassesAtExit} on JDK 17, {@code -XX:AOTCacheOutput} on JDK 25) holds the classes
 * a real start needs. A gateway with plain and TLS listeners, its certificate read from PEM files as a
 * configured one is, proxies over backend TLS to a second gateway on embedded shards (as a sidecar
 * proxies to memcached -Z); a plain and a TLS client send small and large SETs and GETs, NOOP, VERSION
 * and STAT through it; the admin listener answers the probes' paths; one line is logged
 * in the JSON format when asked ({@code train --json}). Everything listens on loopback ports the system picks, so it runs in an image
 * build.
 */
final class ClassCacheTraining {
    private static final int ROUNDS = 200;
    /** Over memory.large-frame (64 KiB): large frames take the gathering path. */
    private static final int LARGE_VALUE = 200 * 1024;
    /**
     * The kubelet probes' paths, which every pod is asked from its start. Not /metrics and the status
     * page: the Prometheus registry and the JVM collectors (with JMX, about 400 classes) are made at the
     * first scrape, and archived they would be resident in a gateway that is never scraped (each class
     * in the archive is mapped and written to at start). Not /debug/memory, which runs a full GC.
     */
    static final List<String> ADMIN_PATHS = List.of("/healthz", "/readyz");

    private ClassCacheTraining() {
    }

    /**
     * @param json       whether to log a line in the JSON format too (its encoder and Jackson: about 400
     *                   classes that a gateway logging text never loads, and that would cost memory in
     *                   every process mapping the archive)
     * @param ownProcess whether this JVM is the command's own (false in tests, whose Netty is shared)
     */
    static int run(boolean json, PrintStream out, PrintStream err, boolean ownProcess) {
        if (ownProcess) {
            // The same allocator classes and settings as a gateway started by Main.
            NettyDefaults.apply(1);
        }
        Path dir = null;
        KvgateServer shards = null;
        KvgateServer gateway = null;
        try {
            dir = Files.createTempDirectory("kvgate-train");
            // A certificate shipped for this run only (loopback, never served otherwise), read from PEM
            // files as a configured one is. Made here, it would put the certificate builder's classes,
            // which a gateway with its own certificate never loads, into the archive.
            Path chain = copy("train-chain.pem", dir);
            Path key = copy("train-key.pem", dir);

            // Nothing on a fixed port (an image build may run beside anything), and no not-ready delay.
            String common = " io-threads = 1, admin { host = \"127.0.0.1\", port = 0 },"
                    + " shutdown { not-ready-delay = 0s, drain-timeout = 1s },";
            String tlsFiles = " tls { cert-chain = \"" + chain + "\", private-key = \"" + key + "\" },";
            // The shard speaks TLS, as memcached -Z behind a sidecar does: the backend TLS path too.
            shards = KvgateServer.start(Settings.parse("kvgate {" + common + tlsFiles + " shards = [], listeners = ["
                    + " { name = tls, host = \"127.0.0.1\", port = 0, tls = true } ], admin.enabled = false }"));
            gateway = KvgateServer.start(Settings.parse("kvgate {" + common + tlsFiles + " listeners = ["
                    + " { name = plain, host = \"127.0.0.1\", port = 0 },"
                    + " { name = tls, host = \"127.0.0.1\", port = 0, tls = true } ],"
                    + " backend-tls { trust = \"" + chain + "\" },"
                    + " shards = [ { address = \"127.0.0.1:" + shards.port("tls") + "\", tls = true } ] }"));
            SslContext trustingIt = SslContextBuilder.forClient().trustManager(chain.toFile()).build();
            int requests = 0;
            try (McbpClient plain = McbpClient.connect("127.0.0.1", gateway.port("plain"));
                 McbpClient tls = McbpClient.connect("127.0.0.1", gateway.port("tls"), trustingIt)) {
                for (McbpClient client : new McbpClient[] {plain, tls}) {
                    requests += traffic(client);
                }
            }
            // What the kubelet's probes load in a pod.
            InetSocketAddress admin = gateway.adminAddress().orElseThrow();
            for (String path : ADMIN_PATHS) {
                requests += admin(admin, path);
            }
            if (ownProcess && json) {
                // The JSON log format (k8s/terminator sets it), one line, then back to text. Not in a
                // test's JVM, whose logging is the test's.
                LogFormat.apply(LogSettings.Format.JSON);
                LoggerFactory.getLogger(ClassCacheTraining.class).info("kvgate train: a line in the JSON format");
                LogFormat.apply(LogSettings.Format.TEXT);
            }
            out.println("kvgate train: " + requests + " requests through a TLS and plain gateway; done");
            return Main.OK;
        } catch (IOException | RuntimeException e) {
            err.println("kvgate train: " + e.getMessage());
            return Main.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.FAILED;
        } finally {
            if (gateway != null) {
                gateway.close();
            }
            if (shards != null) {
                shards.close();
            }
            delete(dir);
        }
    }

    /** The class-path resource {@code name} next to this class, written into {@code dir}. */
    private static Path copy(String name, Path dir) throws IOException {
        try (var in = ClassCacheTraining.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no resource " + name + " in the jar");
            }
            Path file = dir.resolve(name);
            Files.copy(in, file);
            return file;
        }
    }

    /** GET of one admin path over a plain socket, read to the end: 1 when it answered 200. */
    private static int admin(InetSocketAddress address, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!answer.startsWith("HTTP/1.1 200")) {
                throw new IOException("GET " + path + " answered " + answer.lines().findFirst().orElse("nothing"));
            }
            return 1;
        }
    }

    private static int traffic(McbpClient client) throws IOException {
        byte[] large = new byte[LARGE_VALUE];
        Arrays.fill(large, (byte) 'v');
        int requests = 0;
        for (int i = 0; i < ROUNDS; i++) {
            String k = "train:" + (i % 50);
            expect(client.set(k, "value-" + i), "SET");
            expect(client.get(k), "GET");
            requests += 2;
            if (i % 20 == 0) {
                expect(client.call(Request.set("train:large", large)), "large SET");
                expect(client.get("train:large"), "large GET");
                expect(client.noop(), "NOOP");
                expect(client.call(Request.of(Opcode.VERSION)), "VERSION");
                requests += 4;
            }
        }
        client.stats();
        return requests + 1;
    }

    private static void expect(Response r, String what) throws IOException {
        if (r == null || !r.ok()) {
            throw new IOException(what + " answered " + r);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is harmless.
        }
    }
}
