package dev.kvgate.benchmarks;

import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Responses;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Responses kvgate builds itself (errors, NOOP/VERSION answers): one buffer of the exact size from the
 * pooled allocator (or Netty 4.2's default adaptive one, which the gateway's channels use), written once
 * and released, as the transport does after the write.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsPrepend = {ForkArgs.EXECUTOR, ForkArgs.EXECUTOR_CLASS, ForkArgs.NO_LEAK_DETECTION})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class ResponseBuildBenchmark {
    private static final byte[] VERSION = "1.6.21".getBytes(StandardCharsets.US_ASCII);

    @Param({Allocators.POOLED, Allocators.ADAPTIVE})
    public String allocator = Allocators.POOLED;

    private ByteBufAllocator alloc = Allocators.of(Allocators.POOLED);
    private int opaque;

    @Setup(Level.Trial)
    public void setUp() {
        alloc = Allocators.of(allocator);
    }

    /** An error status with memcached's text as the body (routing failure, unknown command). */
    @Benchmark
    public int error() {
        return sizeAndRelease(Responses.error(alloc, Opcode.GET.code(), Status.TEMPORARY_FAILURE, opaque++));
    }

    /** A success with a short value, like a VERSION answer. */
    @Benchmark
    public int simple() {
        return sizeAndRelease(Responses.simple(alloc, Opcode.VERSION.code(), Status.SUCCESS, opaque++, 0, VERSION));
    }

    /** A bare 24-byte success, like a NOOP answer. */
    @Benchmark
    public int empty() {
        return sizeAndRelease(Responses.empty(alloc, Opcode.NOOP.code(), opaque++, 0));
    }

    private static int sizeAndRelease(ByteBuf response) {
        try {
            return response.readableBytes() + response.getByte(1);
        } finally {
            response.release();
        }
    }
}
