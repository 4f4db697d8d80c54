package dev.kvgate.config;

/** A remote memcached shard; {@code tls} when it listens with TLS (memcached -Z). */
public record ShardSettings(String host, int port, boolean tls) {
    /** The shard's name on the hash ring: {@code host:port} exactly as configured. */
    public String address() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
