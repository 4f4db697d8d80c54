package dev.kvgate.gateway.log;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.kvgate.config.LogSettings;
import java.net.URL;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code kvgate.log.format} from the configuration file: Logback starts before the file is
 * read, with the format of {@code -Dkvgate.log.format} (text when unset), so a file asking for
 * another one reconfigures Logback from kvgate's logback.xml once, at start.
 */
public final class LogFormat {
    private static final String ACTIVE = "kvgate.log.active-format";

    private LogFormat() {
    }

    /** Switches to {@code format} unless Logback already writes it (or runs a configuration not kvgate's, for text). */
    public static synchronized void apply(LogSettings.Format format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        String wanted = format.name().toLowerCase(Locale.ROOT);
        String active = context.getProperty(ACTIVE);
        if (wanted.equals(active) || (format == LogSettings.Format.TEXT && active == null)) {
            return;
        }
        URL config = LogFormat.class.getResource("/logback.xml");
        if (config == null) {
            return;
        }
        context.reset();
        context.putProperty("kvgate.log.format", wanted);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            // Logback reports its own configuration errors on stderr; logging goes on as it can.
        }
    }
}
