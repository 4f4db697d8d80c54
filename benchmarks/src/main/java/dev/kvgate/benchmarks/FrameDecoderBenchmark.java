package dev.kvgate.benchmarks;

import dev.kvgate.gateway.protocol.FrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
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
 * One read event through the request {@link FrameDecoder}: a buffer of {@code frames} SET/GET requests
 * cut into retained slices, each released by the next handler as a forwarder would after writing it.
 * The score divided by {@code frames} is the per-frame cost; gc.alloc.rate.norm should not grow with
 * {@code valueSize}, since a frame is a slice of the read buffer, never a copy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsPrepend = {ForkArgs.EXECUTOR, ForkArgs.EXECUTOR_CLASS, ForkArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class FrameDecoderBenchmark {
    static final int MAX_FRAME = 20 * 1024 * 1024;

    @Param({"1", "16", "64"})
    public int frames;

    @Param({"100", "16384"})
    public int valueSize;

    /** Allocator of the read buffer the frames are sliced from. */
    @Param({Allocators.POOLED, Allocators.ADAPTIVE})
    public String allocator = Allocators.POOLED;

    private ByteBuf input;
    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private Sink sink;

    @Setup(Level.Trial)
    public void setUp() {
        input = FrameFixtures.mixed(Allocators.of(allocator), frames, valueSize);
        sink = new Sink();
        channel = new EmbeddedChannel(
                new FrameDecoder(FrameDecoder.Direction.REQUEST, MAX_FRAME, Integer.MAX_VALUE), sink);
        pipeline = channel.pipeline();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        input.release();
    }

    /**
     * Returns the frames seen so far, so the work cannot be eliminated. The same read buffer is handed
     * in every time (rewound, one more reference that the decoder releases), so nothing is allocated
     * here that a socket read would not allocate either.
     */
    @Benchmark
    public long decode() {
        input.readerIndex(0);
        pipeline.fireChannelRead(input.retain());
        pipeline.fireChannelReadComplete();
        return sink.frames;
    }

    /** Stands in for the client session: takes each frame and releases it, like a completed write. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        long frames;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            frames++;
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // Swallowed: the EmbeddedChannel's tail would otherwise record it per read.
        }
    }
}
