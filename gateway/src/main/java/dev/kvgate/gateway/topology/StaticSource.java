package dev.kvgate.gateway.topology;

import dev.kvgate.config.ShardSettings;
import java.util.List;
import java.util.function.Consumer;

/** {@code kvgate.shards} as configured; a reload hands the manager the new list. */
final class StaticSource implements TopologySource {
    private final List<ShardSettings> shards;

    StaticSource(List<ShardSettings> shards) {
        this.shards = List.copyOf(shards);
    }

    @Override
    public void start(Consumer<List<ShardSettings>> listener) {
        if (!shards.isEmpty()) {
            listener.accept(shards);
        }
    }

    @Override
    public String describe() {
        return "kvgate.shards";
    }

    @Override
    public String failure() {
        return null;
    }

    @Override
    public void close() {
    }
}
