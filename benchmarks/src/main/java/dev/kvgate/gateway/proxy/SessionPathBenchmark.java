package dev.kvgate.gateway.proxy;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.config.LimitsSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.pipeline.BackendChannelInitializer;
import dev.kvgate.gateway.pipeline.ClientChannelInitializer;
import dev.kvgate.gateway.pipeline.TlsStats;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.RequestValidator;
import dev.kvgate.routing.HashPreset;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One pipelined round trip through the real client pipeline, {@link ClientSession} and a real
 * {@link SocketBackend} whose connection is an embedded channel with the gateway's own backend
 * pipeline: {@code pipeline} GETs in one client read, forwarded, answered by the "shard" in one read,
 * written back to the client. With {@code -prof gc}, {@code gc.alloc.rate.norm / pipeline} is the heap
 * the gateway allocates per forwarded frame and its answer. The embedded channels add a constant of
 * their own (the same before and after a change), so compare figures of one run, not absolutes.
 *
 * <p>Lives in the proxy package because the backend and its connector are package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsPrepend = {"-Djmh.executor=CUSTOM",
        "-Djmh.executor.class=dev.kvgate.benchmarks.EventLoopThreads", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class SessionPathBenchmark {
    static final int KEYS = 64;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Heap bytes the loop thread allocated while the client's frames were decoded and forwarded
     * ({@code forwardBytes}), and while the shard's answers were matched and written to the client
     * ({@code answerBytes}); divide by {@code frames} for the per-frame figures.
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Counts {
        public long forwardBytes;
        public long answerBytes;
        public long frames;
        /** Buffers written to the backend connection and to the client (a run of frames is one). */
        public long backendWrites;
        public long clientWrites;

        @Setup(Level.Iteration)
        public void reset() {
            forwardBytes = 0;
            answerBytes = 0;
            frames = 0;
            backendWrites = 0;
            clientWrites = 0;
        }
    }
    static final int VALUE = 100;

    @Param({"1", "16"})
    public int pipeline = 16;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private EmbeddedChannel client;
    private EmbeddedChannel conn;
    private SocketBackend backend;
    private Authenticator auth;
    private byte[][] keys;
    private final int[] opaques = new int[4096];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        keys = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = ("key:" + (1000 + i)).getBytes(StandardCharsets.US_ASCII);
        }
        client = new EmbeddedChannel();
        client.config().setAllocator(alloc);
        BackendSettings bs = new BackendSettings(1, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(1), 4096,
                BackendSettings.OnShardFailure.FAIL_FAST, 2, Duration.ofSeconds(5));
        List<String> names = List.of("s0");
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, names, bs);
        ChannelPromise[] attempt = new ChannelPromise[1];
        backend = new SocketBackend(client.eventLoop(), 0, ring, InetSocketAddress.createUnresolved("s0", 11211),
                bs, inbound -> {
                    conn = new EmbeddedChannel();
                    conn.config().setAllocator(alloc);
                    conn.pipeline().addLast(new BackendChannelInitializer(null, "s0", 11211, 1 << 20, 1000,
                            MemoryBudget.unlimited(64 * 1024), inbound));
                    attempt[0] = conn.newPromise();
                    return attempt[0];
                });
        backend.connect();
        attempt[0].setSuccess();
        client.runPendingTasks();
        LoopBackends loop = new LoopBackends(ring, new Backend[][] {{backend}});
        BackendRegistry registry = new BackendRegistry(Map.of(client.eventLoop(), loop), 1);
        LimitsSettings limits = new LimitsSettings(1 << 20, Duration.ofMinutes(1), 1024, 64, 100, 100);
        auth = new Authenticator(Settings.parse("").auth());
        client.pipeline().addLast(new ClientChannelInitializer(null, Duration.ofMinutes(1), new TlsStats(),
                limits, registry, new GatewayStats(), auth, RequestValidator.STRICT, MemoryBudget.unlimited(64 * 1024)));
        // The protocol detector decides on the first bytes; one round trip before measuring.
        roundTrip(null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        client.runPendingTasks();
        conn.finishAndReleaseAll();
        client.finishAndReleaseAll();
        auth.close();
    }

    /** {@code pipeline} GETs in, {@code pipeline} answers out; returns the answer bytes the client got. */
    @Benchmark
    public int roundTrip(Counts counts) {
        ByteBuf in = alloc.directBuffer(pipeline * (Mcbp.HEADER_SIZE + 8));
        for (int i = 0; i < pipeline; i++) {
            byte[] k = keys[next];
            next = (next + 1) & (KEYS - 1);
            in.writeByte(0x80).writeByte(0x00).writeShort(k.length).writeByte(0).writeByte(0).writeShort(0)
                    .writeInt(k.length).writeInt(i).writeLong(0).writeBytes(k);
        }
        long t0 = THREADS.getCurrentThreadAllocatedBytes();
        client.writeInbound(in);
        client.runPendingTasks();
        long t1 = THREADS.getCurrentThreadAllocatedBytes();
        int n = 0;
        int backendWrites = 0;
        ByteBuf sent;
        while ((sent = conn.readOutbound()) != null) {
            backendWrites++;
            // Frames (or a run of frames) as the backend wrote them.
            int at = sent.readerIndex();
            while (at < sent.writerIndex()) {
                opaques[n++] = sent.getInt(at + 12);
                at += Mcbp.HEADER_SIZE + sent.getInt(at + 8);
            }
            sent.release();
        }
        int frame = Mcbp.HEADER_SIZE + 4 + VALUE;
        ByteBuf answers = alloc.directBuffer(n * frame);
        for (int i = 0; i < n; i++) {
            answers.writeByte(0x81).writeByte(0x00).writeShort(0).writeByte(4).writeByte(0).writeShort(0)
                    .writeInt(4 + VALUE).writeInt(opaques[i]).writeLong(42).writeInt(0).writeZero(VALUE);
        }
        long t2 = THREADS.getCurrentThreadAllocatedBytes();
        conn.writeInbound(answers);
        client.runPendingTasks();
        long t3 = THREADS.getCurrentThreadAllocatedBytes();
        if (counts != null) {
            counts.forwardBytes += t1 - t0;
            counts.answerBytes += t3 - t2;
            counts.frames += pipeline;
        }
        int bytes = 0;
        int clientWrites = 0;
        Object out;
        while ((out = client.readOutbound()) != null) {
            clientWrites++;
            ByteBuf b = (ByteBuf) out;
            bytes += b.readableBytes();
            b.release();
        }
        if (counts != null) {
            counts.backendWrites += backendWrites;
            counts.clientWrites += clientWrites;
        }
        return bytes;
    }
}
