package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.config.ShardSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.gateway.server.KvgateServer;
import dev.kvgate.gateway.server.Reloader;
import dev.kvgate.testcerts.TestPki;
import dev.kvgate.testkit.MemcachedProcess;
import dev.kvgate.tls.ClientTls;
import dev.kvgate.tls.KeyType;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * Issue 10 under load: pipelined clients keep sending over plain or TLS while the configuration file
 * is rewritten under a running kvgate (its watch picks each version up) to add and remove real
 * memcached shards, with an invalid version in between. Every answer is checked against its request:
 * none lost (each pipeline is answered in full, in order, within its timeout), none duplicated or out
 * of order (the client fails a call on a response it does not expect), none wrong (the key a GETK
 * names and the value it carries). Every key is written beforehand to every memcached with a value
 * derived from the key, and the clients' SETs write the same value, so a key reads the same whichever
 * shard the placement of the moment sends it to. Paranoid leak detection runs as in every test JVM.
 */
@Timeout(170)
class TopologyReloadIT {
    private static final int KEYS = 1000;
    private static final int CLIENTS = 4;
    private static final int PIPELINE = 64;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern SWITCH = Pattern.compile("(\\d+) requests in flight at the switch");

    @TempDir
    Path dir;

    private static String value(String key) {
        return "value-of-" + key;
    }

    private static String key(int i) {
        return "topo-key-" + i;
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void shardsAddedAndRemovedUnderPipelinedLoad(TransportKind transport) throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC);
        Path conf = dir.resolve("kvgate.conf");
        try (Shards shards = Shards.start(5);
             Switches switches = new Switches()) {
            for (int s = 0; s < shards.size(); s++) {
                preload(shards.get(s));
            }
            List<Long> baseConnections = new ArrayList<>();
            for (int s = 0; s < shards.size(); s++) {
                baseConnections.add(connections(shards.get(s)));
            }
            write(conf, pki, shards, List.of(0, 1, 2), "");
            KvgateServer server = KvgateServer.start(Settings.loadWithConfig(Optional.of(conf)));
            Reloader reloader = new Reloader(Optional.of(conf), server);
            Load load = null;
            try {
                SslContext tls = transport == TransportKind.TLS ? ClientTls.trustingCertificates(pki.caCertificate()) : null;
                load = new Load(server.port(transport.listener()), tls);
                load.awaitAnswers(5_000);

                List<List<Integer>> steps = List.of(List.of(0, 1, 2, 3), List.of(0, 1, 2, 3, 4), List.of(1, 2, 3, 4),
                        List.of(1, 3, 4), List.of(1, 3, 4, 0));
                for (List<Integer> step : steps) {
                    write(conf, pki, shards, step, "");
                    awaitTopology(server, shards, step);
                    load.awaitAnswers(5_000);
                    if (step.equals(List.of(1, 2, 3, 4))) {
                        // An invalid version: refused with the start's words, nothing changes, load goes on.
                        try (Await.LogLine refused = Await.logLine("reload (file changed) refused: invalid configuration: "
                                + "kvgate.limits.max-in-flight: must be >= 1, was 0")) {
                            write(conf, pki, shards, List.of(0), "kvgate.limits.max-in-flight = 0\n");
                            refused.await(WAIT, "the invalid file is refused");
                        }
                        assertEquals(addresses(shards, step), addresses(server.shards()), "the running topology stays");
                        load.awaitAnswers(2_000);
                    }
                }
                load.stop();
                System.out.printf("%s: %d requests answered, %d checked, %d errors; topology switches: %s requests in"
                                + " flight at each switch (%d in all)%n", transport, load.answered.get(),
                        load.checked.get(), load.errors.get(), switches.inFlight, switches.total());
                assertEquals(List.of(), load.problems, "every answer is the right one");
                assertEquals(0, load.errors.get());
                assertEquals(steps.size(), switches.inFlight.size(), "one topology change per step: " + switches.lines);
                assertTrue(switches.total() > 0, "requests were in flight across the switches: " + switches.lines);

                String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + server.adminAddress().orElseThrow().getPort()
                                + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(Pattern.compile("(?m)^kvgate_topology_changes_total " + steps.size() + "(\\.0)?$")
                        .matcher(metrics).find(), metrics);
                assertTrue(Pattern.compile("(?m)^kvgate_topology_source_failing 0(\\.0)?$").matcher(metrics).find());
                assertTrue(Pattern.compile("(?m)^kvgate_shards_draining 0(\\.0)?$").matcher(metrics).find());

                // The shards added took traffic; the shard removed for good has no connection left.
                for (int s : List.of(3, 4)) {
                    assertTrue(stat(shards.get(s), "cmd_get") > 0, "shard " + s + " served reads");
                }
                Await.until(WAIT, "shard 2's connections closed after draining",
                        () -> connections(shards.get(2)) == baseConnections.get(2));
                long getsOn2 = stat(shards.get(2), "cmd_get");
                load = new Load(server.port(transport.listener()), tls);
                load.awaitAnswers(2_000);
                load.stop();
                assertEquals(0, load.errors.get());
                assertEquals(getsOn2, stat(shards.get(2), "cmd_get"), "a removed shard gets no requests");
            } finally {
                if (load != null) {
                    load.stop();
                }
                reloader.close();
                server.close();
            }
        }
    }

    /** Writes every key, with its value, to one memcached directly. */
    private static void preload(MemcachedProcess shard) throws Exception {
        try (McbpClient c = McbpClient.connect("127.0.0.1", shard.port())) {
            List<Request> sets = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                sets.add(Request.set(key(i), value(key(i))));
            }
            for (CompletableFuture<Response> f : c.sendAll(sets)) {
                assertEquals(0, McbpClient.await(f, WAIT).status());
            }
        }
    }

    private static long stat(MemcachedProcess shard, String name) throws Exception {
        try (McbpClient c = McbpClient.connect("127.0.0.1", shard.port())) {
            return Long.parseLong(c.stats().get(name));
        }
    }

    /** memcached's curr_connections, the asking connection included. */
    private static long connections(MemcachedProcess shard) throws Exception {
        return stat(shard, "curr_connections");
    }

    private void write(Path conf, TestPki pki, Shards shards, List<Integer> which, String extra) throws Exception {
        String list = which.stream().map(i -> "\"" + shards.get(i).address() + "\"").collect(Collectors.joining(", "));
        String hocon = "kvgate {\n"
                + "  io-threads = 2\n"
                + "  listeners = [ { name = plain, host = \"127.0.0.1\", port = 0 },\n"
                + "                { name = tls, host = \"127.0.0.1\", port = 0, tls = true } ]\n"
                + "  admin { host = \"127.0.0.1\", port = 0 }\n"
                + "  tls { cert-chain = \"" + pki.serverChain() + "\", private-key = \"" + pki.serverKey() + "\" }\n"
                + "  reload.watch-interval = 50ms\n"
                + "  shards = [" + list + "]\n"
                + "}\n" + extra;
        // Written whole and moved into place, as a ConfigMap update or an editor's save does.
        Path tmp = conf.resolveSibling(conf.getFileName() + ".tmp");
        Files.writeString(tmp, hocon, StandardCharsets.UTF_8);
        Files.move(tmp, conf, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<String> addresses(Shards shards, List<Integer> which) {
        return which.stream().map(i -> shards.get(i).address()).toList();
    }

    private static List<String> addresses(List<ShardSettings> shards) {
        return shards.stream().map(ShardSettings::address).toList();
    }

    /** Until kvgate routes by exactly these shards and the ones removed have drained and closed. */
    private static void awaitTopology(KvgateServer server, Shards shards, List<Integer> which) throws Exception {
        List<String> want = addresses(shards, which);
        Await.until(WAIT, "topology " + want, () -> addresses(server.shards()).equals(want)
                && server.drainingShards() == 0);
    }

    /** The "N requests in flight at the switch" of each topology change kvgate logs. */
    private static final class Switches implements AutoCloseable {
        private final Logger logger = (Logger) LoggerFactory.getLogger("dev.kvgate");
        final List<Integer> inFlight = new CopyOnWriteArrayList<>();
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                String m = e.getFormattedMessage();
                Matcher matcher = SWITCH.matcher(m);
                if (m.startsWith("topology from") && matcher.find()) {
                    lines.add(m);
                    inFlight.add(Integer.parseInt(matcher.group(1)));
                }
            }
        };

        Switches() {
            appender.start();
            logger.addAppender(appender);
        }

        int total() {
            return inFlight.stream().mapToInt(Integer::intValue).sum();
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
            appender.stop();
        }
    }

    /**
     * {@link #CLIENTS} connections, each a thread sending pipelines of {@link #PIPELINE} requests
     * (GETK, SET, GETKQ hits, GETKQ misses, NOOP last) and checking each answer before the next.
     */
    private static final class Load {
        final AtomicLong answered = new AtomicLong();
        final AtomicLong checked = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        private final List<McbpClient> clients = new ArrayList<>();

        Load(int port, SslContext tls) throws Exception {
            for (int c = 0; c < CLIENTS; c++) {
                McbpClient client = McbpClient.connect("127.0.0.1", port, tls);
                clients.add(client);
                int seed = c;
                Thread t = new Thread(() -> run(client, new Random(seed)), "topology-load-" + c);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        private record Expect(Opcode op, String key) {
        }

        private void run(McbpClient client, Random random) {
            while (!stop.get()) {
                List<Request> batch = new ArrayList<>();
                List<Expect> expects = new ArrayList<>();
                for (int i = 0; i < PIPELINE - 1; i++) {
                    String key = key(random.nextInt(KEYS));
                    int kind = random.nextInt(20);
                    if (kind < 11) {
                        batch.add(Request.keyed(Opcode.GETK, key));
                        expects.add(new Expect(Opcode.GETK, key));
                    } else if (kind < 16) {
                        batch.add(Request.set(key, value(key)));
                        expects.add(new Expect(Opcode.SET, key));
                    } else if (kind < 19) {
                        batch.add(Request.keyed(Opcode.GETKQ, key));
                        expects.add(new Expect(Opcode.GETKQ, key));
                    } else {
                        String missing = "topo-missing-" + random.nextInt(1_000_000);
                        batch.add(Request.keyed(Opcode.GETKQ, missing));
                        expects.add(new Expect(Opcode.GETKQ, null));
                    }
                }
                batch.add(Request.noop());
                expects.add(new Expect(Opcode.NOOP, null));
                List<CompletableFuture<Response>> futures = client.sendAll(batch);
                for (int i = 0; i < futures.size(); i++) {
                    Expect e = expects.get(i);
                    Response r;
                    try {
                        r = futures.get(i).get(10, TimeUnit.SECONDS);
                    } catch (Exception ex) {
                        fail(e + ": no answer: " + ex);
                        continue;
                    }
                    answered.incrementAndGet();
                    String problem = check(e, r);
                    if (problem != null) {
                        fail(e + ": " + problem + " (" + r + ")");
                    } else {
                        checked.incrementAndGet();
                    }
                }
                if (errors.get() > 0) {
                    return;
                }
            }
        }

        private static String check(Expect e, Response r) {
            if (e.key() == null && e.op() == Opcode.GETKQ) {
                return r == null ? null : "a quiet miss was answered";
            }
            if (r == null) {
                return "no answer";
            }
            if (r.opcode() != e.op().code()) {
                return "answer to another opcode";
            }
            if (r.status() != 0) {
                return "status " + r.status();
            }
            if (e.op() == Opcode.GETK || e.op() == Opcode.GETKQ) {
                if (!e.key().equals(r.keyString())) {
                    return "answer for another key";
                }
                if (!value(e.key()).equals(r.valueString())) {
                    return "wrong value";
                }
            }
            return null;
        }

        private void fail(String problem) {
            errors.incrementAndGet();
            if (problems.size() < 20) {
                problems.add(problem);
            }
        }

        void awaitAnswers(long more) throws Exception {
            long until = answered.get() + more;
            Await.until(WAIT, more + " more answers", () -> answered.get() >= until || errors.get() > 0);
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(20));
            }
            clients.forEach(McbpClient::close);
        }
    }
}
