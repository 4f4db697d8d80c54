package dev.kvgate.gateway.log;

import ch.qos.logback.classic.LoggerContext;
import dev.kvgate.config.LogSettings;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code kvgate.log.format} from the configuration file: Logback starts before the file is
 * read, with the format of {@code -Dkvgate.log.format} (text when unset, {@link LogConfigurator}), so
 * a file asking for another one reconfigures Logback once, at start.
 */
public final class LogFormat {

    private LogFormat() {
    }

    /** Switches to {@code format} unless Logback already writes it (or runs a configuration not kvgate's, for text). */
    public static synchronized void apply(LogSettings.Format format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        String wanted = format.name().toLowerCase(Locale.ROOT);
        String active = context.getProperty(LogConfigurator.ACTIVE);
        if (wanted.equals(active) || (format == LogSettings.Format.TEXT && active == null)) {
            return;
        }
        LogConfigurator.apply(context, format);
    }
}
