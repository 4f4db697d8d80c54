package dev.kvgate.gateway.topology;

import dev.kvgate.config.ShardSettings;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where the list of remote shards comes from. A source hands its listener every list that differs
 * from the last one it handed over, never an empty one; a source that fails keeps quiet (and logs
 * why, once per change of its state), so the last good list stays in force.
 */
public interface TopologySource extends AutoCloseable {
    /**
     * Starts asking. The first good list goes to {@code listener} as soon as it is known, and each
     * different one after it; called on the source's own thread, one call at a time.
     */
    void start(Consumer<List<ShardSettings>> listener);

    /** What the source asks, for log lines: "DNS SRV _memcache._tcp.cache.local", "http://...". */
    String describe();

    /** Why the source has no list, when it is failing; null while its last round succeeded. */
    String failure();

    /** Stops asking; no call to the listener starts after this returns. */
    @Override
    void close();
}
