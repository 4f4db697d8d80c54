package dev.kvgate.config;

import java.util.List;

/** Everything kvgate reads from its configuration, validated and immutable. */
public record KvgateSettings(
        int ioThreads,
        List<ListenerSettings> listeners,
        TlsSettings tls,
        RoutingSettings routing,
        List<ShardSettings> shards,
        EmbeddedSettings embedded,
        BackendSettings backend,
        LimitsSettings limits,
        java.time.Duration drainTimeout,
        BackendTlsSettings backendTls,
        AuthSettings auth,
        MemorySettings memory,
        AdminSettings admin,
        LogSettings log,
        /* How long /readyz says 503 on SIGTERM before the listeners close. */
        java.time.Duration notReadyDelay) {

    public KvgateSettings {
        listeners = List.copyOf(listeners);
        shards = List.copyOf(shards);
    }
}
