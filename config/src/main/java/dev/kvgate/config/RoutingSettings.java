package dev.kvgate.config;

/** How keys map to shards; {@code hash} is a preset name checked by the routing module. */
public record RoutingSettings(String hash) {
}
