package dev.kvgate.bench;

import dev.kvgate.client.McbpClient;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code idle} command: opens N connections to kvgate (TLS handshake and one NOOP each), holds
 * them, and reports what kvgate's heap, direct memory and RSS grew by per connection, read from
 * kvgate's admin listener ({@code GET /debug/memory}, taken after a full GC) before and after. With
 * {@code --hold} it asks nothing of the server beyond the NOOPs, so it works against any mcbp server
 * or proxy: it says when the connections are open and holds them until it is stopped, for a caller
 * that measures the server itself (bench/footprint.sh reads the server's RSS from /proc).
 */
public final class Idle {
    private Idle() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String host = "127.0.0.1";
        int port = 11207;
        boolean tls = false;
        int connections = 10_000;
        boolean hold = false;
        int adminPort = 9090;
        for (int i = 0; i < args.length; i++) {
            try {
                switch (args[i]) {
                    case "--host" -> host = args[++i];
                    case "--port" -> port = Integer.parseInt(args[++i]);
                    case "--tls" -> tls = true;
                    case "--connections" -> connections = Integer.parseInt(args[++i]);
                    case "--hold" -> hold = true;
                    case "--admin-port" -> adminPort = Integer.parseInt(args[++i]);
                    case "-h", "--help" -> {
                        out.println("usage: java -jar kvgate.jar idle [--host H] [--port P] [--tls] [--connections N]"
                                + " [--admin-port A] [--hold]");
                        out.println("  reads kvgate's memory from http://H:A/debug/memory (kvgate.admin, 9090 by default)");
                        out.println("  --hold  no memory read: open the connections, say so, hold them until stopped");
                        return 0;
                    }
                    default -> {
                        err.println("kvgate idle: unknown option " + args[i]);
                        return 2;
                    }
                }
            } catch (RuntimeException e) {
                err.println("kvgate idle: bad value for " + args[i - 1]);
                return 2;
            }
        }
        List<McbpClient> held = new ArrayList<>(connections);
        try {
            SslContext ssl = tls ? SslContextBuilder.forClient()
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build() : null;
            Map<String, Long> before = hold ? Map.of() : memory(host, adminPort);
            long start = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                McbpClient c = McbpClient.connect(host, port, ssl);
                held.add(c);
                if (c.noop().status() != 0) {
                    err.println("kvgate idle: NOOP failed on connection " + i);
                    return 1;
                }
                if ((i + 1) % 1000 == 0) {
                    err.printf("%d connections open%n", i + 1);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (hold) {
                out.printf("%d idle %s connections open in %.1f s; holding them until stopped%n", connections,
                        tls ? "TLS" : "plain", seconds);
                out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            Thread.sleep(1000);
            Map<String, Long> after = memory(host, adminPort);
            out.printf("%d idle %s connections opened in %.1f s (%.0f handshakes+NOOP per s, sequential)%n",
                    connections, tls ? "TLS" : "plain", seconds, connections / seconds);
            out.printf("kvgate curr_connections: %d -> %d%n", before.get("curr_connections"),
                    after.get("curr_connections"));
            for (String k : List.of("heap_used", "direct_used", "rss")) {
                long delta = after.get(k) - before.get(k);
                out.printf("%-12s %,14d -> %,14d bytes: %,8.0f bytes per idle connection%n", k, before.get(k),
                        after.get(k), delta / (double) connections);
            }
            long total = (after.get("heap_used") - before.get("heap_used")) + (after.get("rss") - before.get("rss"));
            out.printf("heap + RSS growth: %.1f KiB per idle connection (heap is inside RSS once touched;"
                    + " RSS alone is the process's cost)%n", total / 1024.0 / connections);
            return 0;
        } catch (IOException e) {
            err.println("kvgate idle: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            held.forEach(McbpClient::close);
        }
    }

    private static final java.util.regex.Pattern FIELD = java.util.regex.Pattern.compile("\"(\\w+)\":(-?\\d+)");

    /** kvgate's GET /debug/memory: a flat JSON object of numbers. */
    static Map<String, Long> memory(String host, int adminPort) throws IOException, InterruptedException {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10)).build();
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://" + h + ":" + adminPort + "/debug/memory"))
                .timeout(Duration.ofSeconds(60)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /debug/memory on the admin port " + adminPort + ": HTTP " + r.statusCode());
        }
        Map<String, Long> m = new LinkedHashMap<>();
        java.util.regex.Matcher f = FIELD.matcher(r.body());
        while (f.find()) {
            m.put(f.group(1), Long.parseLong(f.group(2)));
        }
        for (String k : List.of("heap_used", "direct_used", "rss", "curr_connections")) {
            if (!m.containsKey(k)) {
                throw new IOException("GET /debug/memory: no " + k + " in " + r.body().strip());
            }
        }
        return m;
    }
}
