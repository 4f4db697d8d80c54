package dev.kvgate.gateway.proxy;

import dev.kvgate.config.ShardSettings;
import dev.kvgate.engine.EngineShard;

/** What a shard on the ring is: a remote memcached or an embedded engine. */
public sealed interface ShardTarget {
    /** The shard's name on the hash ring. */
    String name();

    /** The shard's weight in the key placement. */
    default int weight() {
        return 1;
    }

    /** @param ssl client context when the shard speaks TLS, {@code null} for plain */
    record Remote(ShardSettings settings, io.netty.handler.ssl.SslContext ssl) implements ShardTarget {
        @Override
        public String name() {
            return settings.ringName();
        }

        @Override
        public int weight() {
            return settings.weight();
        }
    }

    record Embedded(EngineShard engine) implements ShardTarget {
        @Override
        public String name() {
            return engine.name();
        }
    }
}
