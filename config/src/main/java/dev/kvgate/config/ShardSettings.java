package dev.kvgate.config;

/**
 * A remote memcached shard; {@code tls} when it listens with TLS (memcached -Z). {@code name} (null
 * when not configured) and {@code weight} are what the key placement sees, for taking over from a
 * client that knew the shard by another name or weighted it.
 */
public record ShardSettings(String host, int port, boolean tls, String name, int weight) {
    public ShardSettings(String host, int port, boolean tls) {
        this(host, port, tls, null, 1);
    }

    /** {@code host:port} exactly as configured. */
    public String address() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    /** The shard's name on the hash ring: its configured name, else its address. */
    public String ringName() {
        return name != null ? name : address();
    }
}
