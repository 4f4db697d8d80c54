package dev.kvgate.it.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.it.Await;
import dev.kvgate.routing.Node;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kvgate's twemproxy placements against a real nutcracker (Debian's nutcracker 0.5.0): one pool per
 * distribution and hash (and weighted and named pools), each in front of recording backends on
 * loopback that answer every {@code get} with a miss and note which key reached them. 10,000 keys go
 * through each pool; the backend that saw a key is where twemproxy placed it.
 */
@Timeout(300)
class TwemproxyPlacementIT {

    private static final List<String> HASHES = List.of("one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64",
            "fnv1a_64", "fnv1_32", "fnv1a_32", "hsieh", "murmur", "jenkins");
    private static final int BACKENDS = 5;

    private record Pool(String spec, int port, List<Node> nodes, List<Integer> backends) {
    }

    private static final List<RecordingBackend> backends = new ArrayList<>();
    private static final List<Pool> pools = new ArrayList<>();
    private static Process nutcracker;

    @BeforeAll
    static void start() throws Exception {
        for (int i = 0; i < BACKENDS; i++) {
            backends.add(new RecordingBackend(i));
        }
        StringBuilder yml = new StringBuilder();
        for (String distribution : List.of("ketama", "modula")) {
            for (String hash : HASHES) {
                pool(yml, "twemproxy:distribution=" + distribution + ",hash=" + hash, List.of(0, 1, 2), List.of(1, 1, 1), false);
            }
            pool(yml, "twemproxy:distribution=" + distribution + ",hash=fnv1a_64", List.of(0, 1, 2, 3, 4),
                    List.of(1, 3, 2, 1, 5), false);
            pool(yml, "twemproxy:distribution=" + distribution + ",hash=murmur", List.of(4, 2, 3, 0),
                    List.of(2, 1, 1, 1), true);
        }
        pool(yml, "twemproxy", List.of(0, 1, 2, 3), List.of(1, 1, 1, 1), false);
        Path dir = References.workDir();
        Path conf = dir.resolve("nutcracker.yml");
        Files.writeString(conf, yml);
        nutcracker = new ProcessBuilder(References.require("nutcracker", "nutcracker"), "-c", conf.toString(),
                "-s", Integer.toString(freePort()), "-a", "127.0.0.1", "-o", dir.resolve("nutcracker.log").toString(),
                "-p", dir.resolve("nutcracker.pid").toString(), "-v", "4")
                .redirectErrorStream(true).redirectOutput(dir.resolve("nutcracker.out").toFile()).start();
        for (Pool p : pools) {
            awaitListening(p.port());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (nutcracker != null) {
            nutcracker.destroy();
            nutcracker.waitFor(10, TimeUnit.SECONDS);
        }
        for (RecordingBackend b : backends) {
            b.close();
        }
    }

    private static void pool(StringBuilder yml, String spec, List<Integer> backendIndexes, List<Integer> weights,
            boolean named) throws IOException {
        int port = freePort();
        String[] opts = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1).split(",") : new String[0];
        yml.append("p").append(pools.size()).append(":\n  listen: 127.0.0.1:").append(port).append('\n')
                .append("  auto_eject_hosts: false\n  timeout: 5000\n  server_connections: 1\n");
        for (String o : opts) {
            yml.append("  ").append(o.replace("=", ": ")).append('\n');
        }
        yml.append("  servers:\n");
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < backendIndexes.size(); i++) {
            String address = "127.0.0.1:" + backends.get(backendIndexes.get(i)).port();
            String name = named ? "cache-" + (char) ('a' + i) : address;
            yml.append("   - ").append(address).append(':').append(weights.get(i)).append(named ? " " + name : "")
                    .append('\n');
            nodes.add(new Node(name, weights.get(i)));
        }
        pools.add(new Pool(spec, port, nodes, backendIndexes));
    }

    @Test
    void everyPoolPlacesKeysAsKvgate() throws Exception {
        List<byte[]> keys = References.keys(21, false);
        for (Pool pool : pools) {
            for (RecordingBackend b : backends) {
                b.seen.clear();
            }
            sendGets(pool.port(), keys);
            int[] expected = new int[keys.size()];
            Map<String, Integer> backendToNode = new HashMap<>();
            for (int i = 0; i < pool.backends().size(); i++) {
                backendToNode.put(Integer.toString(pool.backends().get(i)), i);
            }
            for (int k = 0; k < keys.size(); k++) {
                Integer backend = null;
                String hex = References.hex(keys.get(k));
                for (RecordingBackend b : backends) {
                    if (b.seen.containsKey(hex)) {
                        assertTrue(backend == null, "key " + hex + " reached two backends");
                        backend = b.index;
                    }
                }
                assertTrue(backend != null, "key " + hex + " reached no backend through " + pool.spec());
                expected[k] = backendToNode.get(Integer.toString(backend));
            }
            References.assertSamePlacement("nutcracker 0.5.0", pool.spec(), pool.nodes(), keys, expected);
        }
    }

    /** Pipelines one get per key (duplicates are fine) and reads an END for each. */
    private static void sendGets(int port, List<byte[]> keys) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 16);
                    for (byte[] key : keys) {
                        out.write("get ".getBytes(StandardCharsets.US_ASCII));
                        out.write(key);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.flush();
                } catch (IOException e) {
                    // the reader fails with the reason
                }
            }, "twemproxy-writer");
            writer.start();
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = 0; i < keys.size(); i++) {
                assertEquals("END", readLine(in), "answer " + i);
            }
            writer.join();
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed after '" + line + "'");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitListening(int port) throws Exception {
        Await.until(Duration.ofSeconds(10), "nutcracker listening on " + port, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return true;
            } catch (IOException e) {
                assertTrue(nutcracker.isAlive(), "nutcracker exited: see target/placement-reference/nutcracker.out");
                return false;
            }
        });
    }

    /** A memcached stand-in that answers every get with a miss and records the key (as hex). */
    private static final class RecordingBackend implements AutoCloseable {
        final int index;
        final Map<String, Boolean> seen = new ConcurrentHashMap<>();
        private final ServerSocket server;
        private final Thread acceptor;

        RecordingBackend(int index) throws IOException {
            this.index = index;
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::accept, "recording-backend-" + index);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve(s), "recording-backend-" + index + "-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    byte[] l = line.toByteArray();
                    line.reset();
                    int end = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                    // nutcracker may batch keys of one get: "get k1 k2 ...".
                    String[] parts = new String(Arrays.copyOf(l, end), StandardCharsets.ISO_8859_1).split(" ");
                    for (int i = 1; i < parts.length; i++) {
                        seen.put(References.hex(parts[i].getBytes(StandardCharsets.ISO_8859_1)), Boolean.TRUE);
                    }
                    out.write("END\r\n".getBytes(StandardCharsets.US_ASCII));
                    if (in.available() == 0) {
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // connection closed by nutcracker at the end of the test
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
