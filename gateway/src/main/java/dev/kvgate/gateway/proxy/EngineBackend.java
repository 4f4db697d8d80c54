package dev.kvgate.gateway.proxy;

import dev.kvgate.engine.EngineShard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

/**
 * The in-process transport to an embedded engine shard. Everything above the wire is the same as
 * for a remote memcached (opaque rewrite, in-order matching, quiet settling by a NOOP, timeouts); the
 * "wire" is a direct call into the engine on this event loop, whose answers come back through
 * {@link #onResponse} as a socket's would.
 */
final class EngineBackend extends Backend {
    private final EngineShard engine;

    EngineBackend(EventLoop loop, int shardIndex, ShardRing ring, EngineShard engine, ByteBufAllocator alloc,
                  long timeoutNanos, int maxInFlight) {
        super(loop, shardIndex, ring, alloc, timeoutNanos, maxInFlight);
        this.engine = engine;
        this.state = State.ACTIVE;
    }

    @Override
    protected void transmit(ByteBuf frame) {
        try {
            // The engine does not take the request; each response it emits is ours to hand on.
            engine.execute(frame, alloc, this::onResponse);
        } finally {
            frame.release();
        }
    }

    @Override
    protected void flushTransport() {
    }

    @Override
    protected void abort(String reason) {
        failAll(dev.kvgate.mcbp.Status.INTERNAL_ERROR);
    }
}
