package dev.kvgate.gateway.topology;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A topology source's state, logged once per change: failing (and why: a new reason is a new state)
 * or answering. A source that fails every round for an hour writes one line, not 360.
 */
final class SourceHealth {
    private static final Logger log = LoggerFactory.getLogger("dev.kvgate.gateway.topology.TopologySource");

    private final String source;
    private String failing;
    private boolean answered;

    SourceHealth(String source) {
        this.source = source;
    }

    /** A round succeeded with {@code shards} shards. */
    synchronized void ok(int shards) {
        if (failing != null) {
            log.info("topology source {}: answers again ({} shards)", source, shards);
            failing = null;
        }
        answered = true;
    }

    /** A round failed; {@code kept} shards stay in force (0 before the first good answer). */
    synchronized void failed(String reason, int kept) {
        if (reason.equals(failing)) {
            return;
        }
        failing = reason;
        if (answered) {
            log.warn("topology source {}: {}; keeping the last good topology ({} shards)", source, reason, kept);
        } else {
            log.warn("topology source {}: {}; no topology from it yet", source, reason);
        }
    }

    synchronized String failure() {
        return failing;
    }
}
