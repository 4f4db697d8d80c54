package dev.kvgate.gateway.admin;

import dev.kvgate.config.AdminSettings;
import dev.kvgate.gateway.proxy.ShardRing;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether kvgate should get traffic: not while it drains, every listener bound, and enough shards
 * reachable for {@code admin.ready-shards}. The reason is a line an operator can act on.
 */
final class Readiness {
    record Verdict(boolean ready, String reason) {
    }

    private Readiness() {
    }

    static Verdict check(AdminSources sources, AdminSettings.ReadyShards policy) {
        if (sources.draining().getAsBoolean()) {
            return new Verdict(false, "shutting down: draining connections");
        }
        for (Map.Entry<String, Channel> l : sources.listeners().entrySet()) {
            if (!l.getValue().isActive()) {
                return new Verdict(false, "listener " + l.getKey() + " is not bound");
            }
        }
        ShardRing ring = sources.ring();
        int reachable = 0;
        List<String> down = new ArrayList<>();
        for (int s = 0; s < ring.size(); s++) {
            if (ring.reachable(s)) {
                reachable++;
            } else {
                down.add(ring.name(s) + (ring.isEjected(s) ? " (ejected)" : ""));
            }
        }
        if (!policy.satisfied(reachable, ring.size())) {
            return new Verdict(false, reachable + " of " + ring.size() + " shards reachable, "
                    + policy.needed(ring.size()) + " needed (admin.ready-shards = " + policy + "); not reachable: "
                    + String.join(", ", down));
        }
        return new Verdict(true, "ready: " + reachable + " of " + ring.size() + " shards reachable");
    }
}
