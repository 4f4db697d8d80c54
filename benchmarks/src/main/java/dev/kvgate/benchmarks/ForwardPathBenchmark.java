package dev.kvgate.benchmarks;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.RequestValidator;
import dev.kvgate.routing.HashPreset;
import dev.kvgate.routing.KeyHashState;
import dev.kvgate.routing.Locators;
import dev.kvgate.routing.ShardLocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * The per-frame work of the plain forward path between decoder and backend write: read opcode and key
 * length, copy the key into the loop's scratch array, ketama-locate the shard, patch the opaque in
 * place. None of it touches the value, so time and gc.alloc.rate.norm must be the same for 100 B and
 * 16 KiB SETs. {@link #sliceAndForward} adds the retained slice the decoder makes per frame and its
 * release after the write. {@link #routeValidated} adds the edge validation every request now passes
 * (one table lookup and a few compares): it must cost nothing measurable next to {@link #route}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsPrepend = {ForkArgs.EXECUTOR, ForkArgs.EXECUTOR_CLASS, ForkArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class ForwardPathBenchmark {
    /** Distinct keys cycled through, so the locator sees different hashes. */
    static final int KEYS = 64;
    static final List<String> SHARDS = List.of("127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213",
            "127.0.0.1:11214");

    @Param({"100", "16384"})
    public int valueSize;

    /** Allocator of the buffers the frames live in, as read from the socket. */
    @Param({Allocators.POOLED, Allocators.ADAPTIVE})
    public String allocator = Allocators.POOLED;

    private final byte[] keyScratch = new byte[256];
    /** The event loop's own hash state, as LoopBackends keeps one. */
    private final KeyHashState hashState = new KeyHashState();
    private ShardLocator locator;
    private ByteBuf[] frames;
    private int next;
    private int opaque;

    @Setup(Level.Trial)
    public void setUp() {
        locator = Locators.create(HashPreset.KETAMA_SPYMEMCACHED, SHARDS);
        frames = new ByteBuf[KEYS];
        ByteBufAllocator alloc = Allocators.of(allocator);
        for (int i = 0; i < KEYS; i++) {
            byte[] key = FrameFixtures.key(i);
            int length = FrameFixtures.setLength(key, valueSize);
            ByteBuf frame = alloc.directBuffer(length, length);
            FrameFixtures.writeSet(frame, key, valueSize, i);
            frames[i] = frame;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (ByteBuf frame : frames) {
            frame.release();
        }
    }

    /** Routing and opaque patch on a frame as the decoder hands it on. */
    @Benchmark
    public int route() {
        return routeAndPatch(nextFrame());
    }

    /** The same with the loop's own MD5 state instead of the locator's per-thread one (ThreadLocal). */
    @Benchmark
    public int routeLoopState() {
        ByteBuf frame = nextFrame();
        byte opcode = Mcbp.opcode(frame);
        int keyLength = Mcbp.keyLength(frame);
        frame.getBytes(Mcbp.keyIndex(frame), keyScratch, 0, keyLength);
        int shard = locator.shardOf(keyScratch, 0, keyLength, hashState);
        Mcbp.setOpaque(frame, opaque++);
        return shard + opcode;
    }

    /** Validation at the edge, then routing and opaque patch: what ClientSession does per keyed frame. */
    @Benchmark
    public int routeValidated() {
        ByteBuf frame = nextFrame();
        if (RequestValidator.STRICT.check(frame) != RequestValidator.Verdict.VALID) {
            throw new IllegalStateException("fixture frame judged invalid");
        }
        return routeAndPatch(frame);
    }

    /** The same, plus the decoder's retained slice and the release that follows the write. */
    @Benchmark
    public int sliceAndForward() {
        ByteBuf whole = nextFrame();
        ByteBuf frame = whole.retainedSlice(whole.readerIndex(), whole.readableBytes());
        try {
            return routeAndPatch(frame);
        } finally {
            frame.release();
        }
    }

    private ByteBuf nextFrame() {
        ByteBuf frame = frames[next];
        next = (next + 1) & (KEYS - 1);
        return frame;
    }

    private int routeAndPatch(ByteBuf frame) {
        byte opcode = Mcbp.opcode(frame);
        int keyLength = Mcbp.keyLength(frame);
        frame.getBytes(Mcbp.keyIndex(frame), keyScratch, 0, keyLength);
        int shard = locator.shardOf(keyScratch, 0, keyLength);
        Mcbp.setOpaque(frame, opaque++);
        return shard + opcode;
    }
}
