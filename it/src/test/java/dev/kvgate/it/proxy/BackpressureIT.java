package dev.kvgate.it.proxy;

import dev.kvgate.it.Await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client that sends GETs for a 512 KiB value worth 1 GiB of answers and never reads must not make
 * kvgate buffer without bound: kvgate stops taking its requests while the connection is not writable.
 *
 * <p>The bound on kvgate's direct memory (growth over the baseline sampled before the flood, since
 * pools filled by earlier tests in this JVM are not this flood's doing), from the
 * configuration this test runs with:
 * <ul>
 *   <li>the client channel's write buffer high water mark, 1 MiB (KvgateServer's child option): above
 *       it the channel is not writable and no further request may be dispatched;</li>
 *   <li>{@code limits.frames-per-read} = 64 requests decoded from one read before the session can
 *       react: 64 x 512 KiB = 32 MiB of answers in flight at most;</li>
 *   <li>allocator pools and thread caches, TLS records, the second client: the rest, 31 MiB.</li>
 * </ul>
 * Total 64 MiB, against the 1 GiB an unbounded gateway would try to buffer.
 */
@Timeout(120)
class BackpressureIT {
    private static final Logger log = LoggerFactory.getLogger(BackpressureIT.class);
    private static final int VALUE_SIZE = 512 * 1024;
    private static final int GETS = 2048; // x 512 KiB = 1 GiB of answers
    private static final long MIB = 1024 * 1024;
    private static final long BOUND = 64 * MIB;
    private static final long WRITER_MILLIS = 10_000;
    /** After the writer is done (or blocked), how long the flood is held open and sampled. */
    private static final long HOLD_MILLIS = 3_000;
    private static final String BIG = "bp-big";
    private static final String SMALL = "bp-small";

    private GatewayFixture gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = GatewayFixture.start("kvgate.embedded { max-item-size = 1MiB, memory = 64MiB }\n");
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void clientThatNeverReadsDoesNotGrowDirectMemory(TransportKind t) throws Exception {
        byte[] value = new byte[VALUE_SIZE];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31 + 7);
        }
        try (McbpClient c = gateway.client(t)) {
            assertEquals(0, c.call(Request.set(BIG, value)).status());
            assertEquals(0, c.set(SMALL, "small").status());
        }
        // The set-up connection is gone from kvgate (its buffers released) before the baseline is taken.
        Await.until(Duration.ofSeconds(10), "the set-up connection is closed in kvgate",
                () -> gateway.server().stats().currentConnections() == 0);
        System.gc();
        long baseline = directMemory();
        AtomicLong max = new AtomicLong(baseline);
        AtomicLong maxNetty = new AtomicLong(PlatformDependent.usedDirectMemory());
        AtomicLong maxJdk = new AtomicLong(jdkDirectMemory());
        long baselineNetty = maxNetty.get();
        long baselineJdk = maxJdk.get();
        AtomicLong writerDoneAt = new AtomicLong();
        AtomicInteger written = new AtomicInteger();
        AtomicInteger probes = new AtomicInteger();
        Latencies probeLatency = new Latencies();

        Socket flood = open(t);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        Thread writer = new Thread(() -> {
            writeGets(flood, written);
            writerDoneAt.set(System.nanoTime());
        }, "never-reading-writer");
        writer.setDaemon(true);
        long started = System.nanoTime();
        try (McbpClient other = gateway.client(t)) {
            long requestsBefore = kvgateRequests(other);
            sampler.scheduleAtFixedRate(() -> {
                long used = directMemory();
                max.accumulateAndGet(used, Math::max);
                maxNetty.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max);
                maxJdk.accumulateAndGet(jdkDirectMemory(), Math::max);
                if (used - baseline > BOUND) {
                    // Over the bound: stop the flood now rather than let it take the test JVM down.
                    closeQuietly(flood);
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            writer.start();
            long writerDeadline = started + TimeUnit.MILLISECONDS.toNanos(WRITER_MILLIS);
            long holdUntil = 0;
            while (System.nanoTime() < writerDeadline && !flood.isClosed()) {
                // The second client: answers keep coming while the first one floods.
                long sent = System.nanoTime();
                Response r = McbpClient.await(other.send(Request.get(SMALL)), Duration.ofSeconds(5));
                long rtt = System.nanoTime() - sent;
                assertEquals("small", r.valueString());
                probes.incrementAndGet();
                probeLatency.add(rtt);
                if (!writer.isAlive() && holdUntil == 0) {
                    holdUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOLD_MILLIS);
                }
                if (holdUntil != 0 && System.nanoTime() > holdUntil) {
                    break;
                }
                Thread.sleep(100);
            }
            long windowMillis = (System.nanoTime() - started) / 1_000_000;
            boolean writerBlocked = writer.isAlive();
            // Requests kvgate took from both connections during the flood, less the second client's own.
            long taken = kvgateRequests(other) - requestsBefore - probes.get() - 1;
            closeQuietly(flood);
            writer.join(5000);
            sampler.shutdown();
            sampler.awaitTermination(5, TimeUnit.SECONDS);
            log.info("{}: never-reading client wrote {} of {} GETs ({} MiB of answers requested), writer {};"
                            + " kvgate took {} of them in the {} ms window; direct memory ({}): baseline {} MiB,"
                            + " max {} MiB, growth {} MiB (bound {} MiB) [Netty counter {} -> {} MiB, JDK pool {} -> {} MiB];"
                            + " second client: {} GETs answered, {}",
                    t, written.get(), GETS, (long) written.get() * VALUE_SIZE / MIB,
                    writerBlocked ? "still blocked at the end (TCP buffers full)"
                            : "done after " + (writerDoneAt.get() - started) / 1_000_000 + " ms",
                    taken, windowMillis, directMemorySource(), baseline / MIB, max.get() / MIB,
                    (max.get() - baseline) / MIB, BOUND / MIB, baselineNetty / MIB, maxNetty.get() / MIB,
                    baselineJdk / MIB, maxJdk.get() / MIB, probes.get(), probeLatency);
            assertTrue(max.get() - baseline <= BOUND, "kvgate's direct memory grew by " + (max.get() - baseline) / MIB
                    + " MiB, over the bound of " + BOUND / MIB + " MiB derived from config");
            // The same bound counted in requests: no more answers dispatched than fit in it.
            assertTrue(taken <= BOUND / VALUE_SIZE, "kvgate took " + taken + " of the never-reading client's GETs,"
                    + " more than the " + BOUND / VALUE_SIZE + " answers of 512 KiB that fit in the bound");
            assertTrue(probes.get() >= 10, "the second client got answers during the flood: " + probes.get());
            // kvgate still serves, the big value intact, once the flooding connection is gone.
            Response big = other.get(BIG);
            assertEquals(0, big.status());
            assertArrayEquals(value, big.value());
        } finally {
            closeQuietly(flood);
            sampler.shutdownNow();
        }
    }

    /** Writes the GETs in batches of 64 until done or the socket is closed; blocks when TCP buffers fill. */
    private static void writeGets(Socket socket, AtomicInteger written) {
        byte[] key = BIG.getBytes(StandardCharsets.UTF_8);
        int frame = 24 + key.length;
        try {
            OutputStream out = socket.getOutputStream();
            for (int sent = 0; sent < GETS; ) {
                int batch = Math.min(64, GETS - sent);
                ByteBuffer b = ByteBuffer.allocate(batch * frame);
                for (int i = 0; i < batch; i++) {
                    b.put((byte) 0x80).put((byte) 0x00).putShort((short) key.length).put((byte) 0).put((byte) 0)
                            .putShort((short) 0).putInt(key.length).putInt(sent + i + 1).putLong(0).put(key);
                }
                out.write(b.array());
                out.flush();
                sent += batch;
                written.set(sent);
            }
        } catch (IOException closed) {
            // the test closed the socket to end the flood
        }
    }

    private Socket open(TransportKind t) throws Exception {
        int port = gateway.port(t);
        if (t == TransportKind.PLAIN) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            return s;
        }
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", gateway.pki().caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    /**
     * kvgate's direct memory in this JVM: Netty's own counter, or the JDK's direct buffer pool when
     * Netty does not count (-1). Both are logged; on this JDK and Netty they agree.
     */
    static long directMemory() {
        long netty = PlatformDependent.usedDirectMemory();
        return netty >= 0 ? netty : jdkDirectMemory();
    }

    static long jdkDirectMemory() {
        long sum = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                sum += pool.getMemoryUsed();
            }
        }
        return sum;
    }

    static String directMemorySource() {
        return PlatformDependent.usedDirectMemory() >= 0 ? "PlatformDependent.usedDirectMemory"
                : "BufferPoolMXBean direct";
    }

    /** kvgate's count of requests taken from clients (STAT kvgate_requests). */
    private static long kvgateRequests(McbpClient c) throws IOException {
        return Long.parseLong(c.stats().get("kvgate_requests"));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
