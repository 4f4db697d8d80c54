package dev.kvgate.config;

/**
 * The admin HTTP listener (health, readiness, metrics, status page).
 *
 * @param readyShards how many shards must be reachable for the gateway to be ready
 */
public record AdminSettings(boolean enabled, String host, int port, ReadyShards readyShards) {

    /** all, any, or at least a fraction of the configured shards (rounded up). */
    public record ReadyShards(Kind kind, double fraction) {
        public enum Kind { ALL, ANY, FRACTION }

        /** Whether {@code reachable} of {@code total} shards are enough. */
        public boolean satisfied(int reachable, int total) {
            return switch (kind) {
                case ALL -> reachable == total;
                case ANY -> reachable >= 1 || total == 0;
                case FRACTION -> reachable >= needed(total);
            };
        }

        /** Shards needed out of {@code total}. */
        public int needed(int total) {
            return switch (kind) {
                case ALL -> total;
                case ANY -> Math.min(1, total);
                case FRACTION -> (int) Math.ceil(fraction * total - 1e-9);
            };
        }

        @Override
        public String toString() {
            return kind == Kind.FRACTION ? Double.toString(fraction) : kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
