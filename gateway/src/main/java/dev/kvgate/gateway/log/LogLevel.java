package dev.kvgate.gateway.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code kvgate.log.level} to the root logger, at start and on every reload. Unset, the
 * level Logback started with (INFO, or {@code -Dkvgate.log.level}) is put back.
 */
public final class LogLevel {
    private static Level started;

    private LogLevel() {
    }

    /** @param level a Logback level name, or empty for the level Logback started with */
    public static synchronized void apply(Optional<String> level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (started == null) {
            started = root.getLevel() != null ? root.getLevel() : Level.INFO;
        }
        root.setLevel(level.map(l -> Level.toLevel(l, started)).orElse(started));
    }
}
