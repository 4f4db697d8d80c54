package dev.kvgate.gateway.admin;

import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.config.KvgateSettings;
import dev.kvgate.gateway.pipeline.ListenerStats;
import dev.kvgate.gateway.pipeline.TlsStats;
import dev.kvgate.gateway.proxy.GatewayStats;
import dev.kvgate.gateway.proxy.ShardRing;
import dev.kvgate.gateway.topology.TopologyManager;
import dev.kvgate.tls.ReloadingServerTls;
import io.netty.channel.Channel;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What the admin listener reads from a running gateway; every part is safe to read from the admin
 * thread.
 *
 * @param listeners the bound mcbp listening channels by listener name
 * @param serverTls the TLS listeners' certificate source, {@code null} without a TLS listener
 * @param draining whether a shutdown has begun
 * @param topology where the remote shards come from; {@code null} with embedded shards
 */
public record AdminSources(String version, long startMillis, KvgateSettings settings, Map<String, Channel> listeners,
                           List<ListenerStats> listenerStats, ShardRing ring, boolean embeddedShards,
                           TlsStats tlsStats, ReloadingServerTls serverTls, GatewayStats stats,
                           BooleanSupplier draining, MemoryBudget budget, TopologyManager topology) {
}
