package dev.kvgate.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/** Runs request frames through one shard and turns its output into {@link Response}s, releasing every buffer. */
final class EngineHarness implements AutoCloseable {
    static final int MAX_ITEM = 1024 * 1024;
    static final long MEMORY = 64L * 1024 * 1024;

    final ManualClock clock = new ManualClock();
    final EngineShard shard;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    EngineHarness() {
        this(MEMORY, MAX_ITEM);
    }

    EngineHarness(long memory, int maxItem) {
        shard = new EngineShard("test", memory, maxItem, clock);
    }

    /** Executes and releases {@code request}; returns every response, in order. */
    List<Response> all(ByteBuf request) {
        List<ByteBuf> out = new ArrayList<>();
        try {
            shard.execute(request, alloc, out::add);
        } finally {
            request.release();
        }
        List<Response> parsed = new ArrayList<>(out.size());
        try {
            for (ByteBuf frame : out) {
                parsed.add(Response.parse(frame));
            }
        } finally {
            out.forEach(ByteBuf::release);
        }
        for (Response r : parsed) {
            assertEquals(0x81, r.magic(), "response magic");
            assertEquals(Frames.OPAQUE, r.opaque(), "opaque echoed");
        }
        return parsed;
    }

    /** Executes a request that must produce exactly one response. */
    Response one(ByteBuf request) {
        int opcode = request.getUnsignedByte(request.readerIndex() + 1);
        List<Response> responses = all(request);
        assertEquals(1, responses.size(), "responses");
        assertEquals(opcode, responses.get(0).opcode(), "opcode echoed");
        return responses.get(0);
    }

    /** Executes a request that must produce no response at all. */
    void silent(ByteBuf request) {
        List<Response> responses = all(request);
        assertTrue(responses.isEmpty(), () -> "expected no response, got " + responses);
    }

    @Override
    public void close() {
        shard.close();
    }
}
