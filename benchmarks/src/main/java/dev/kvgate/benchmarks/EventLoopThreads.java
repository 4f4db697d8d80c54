package dev.kvgate.benchmarks;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * JMH's worker threads as Netty's event-loop threads ({@code FastThreadLocalThread}): Netty 4.2 keeps
 * allocator thread caches and recycles slice objects only on those, so a benchmark on a plain thread
 * would show allocations the gateway does not make. Chosen by {@link ForkArgs}.
 */
public final class EventLoopThreads extends ThreadPoolExecutor {
    /** The constructor JMH calls for a custom executor. */
    public EventLoopThreads(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
