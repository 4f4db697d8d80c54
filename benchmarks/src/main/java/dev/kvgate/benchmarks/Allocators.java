package dev.kvgate.benchmarks;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/** The allocators a benchmark can be run with: {@code @Param} names to instances. */
final class Allocators {
    /** Netty 4.2's default (adaptive), which the gateway's channels use. */
    static final String ADAPTIVE = "adaptive";
    static final String POOLED = "pooled";

    private Allocators() {
    }

    static ByteBufAllocator of(String name) {
        return switch (name) {
            case POOLED -> PooledByteBufAllocator.DEFAULT;
            case ADAPTIVE -> ByteBufAllocator.DEFAULT;
            default -> throw new IllegalArgumentException("unknown allocator " + name);
        };
    }
}
