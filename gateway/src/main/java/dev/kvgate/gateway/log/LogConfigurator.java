package dev.kvgate.gateway.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.kvgate.config.LogSettings;
import java.util.Locale;
import net.logstash.logback.encoder.LogstashEncoder;

/**
 * Logback's configuration, in code: found by Logback through {@code META-INF/services} when it starts.
 * One stderr appender writing kvgate's text lines ({@link TextLayout}) or one JSON object per line
 * (logstash encoder with {@link ChannelJsonProvider}), as {@code -Dkvgate.log.format} says (text when
 * unset); the root level of {@code -Dkvgate.log.level} (INFO when unset); {@code io.netty} at INFO.
 *
 * <p>It replaces an XML configuration that Logback's Joran read at every start: about 550 classes
 * (Joran's model and processors, the JDK's XML parser) and a quarter of the main thread's time before
 * kvgate listened. A configuration of one's own still wins: with {@code -Dlogback.configurationFile}, or
 * a {@code logback-test.xml} or {@code logback.xml} on the class path, this one steps aside and Logback
 * reads that file as usual.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    /** Context property naming the format this class configured; absent under a configuration not kvgate's. */
    static final String ACTIVE = "kvgate.log.active-format";
    private static final String APPENDER = "STDERR";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null || onClassPath("logback-test.xml")
                || onClassPath("logback.xml")) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context, startFormat());
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The format of {@code -Dkvgate.log.format}: json, or text for anything else (and when unset). */
    static LogSettings.Format startFormat() {
        String format = System.getProperty("kvgate.log.format", "text");
        return format.trim().equalsIgnoreCase("json") ? LogSettings.Format.JSON : LogSettings.Format.TEXT;
    }

    /**
     * Replaces whatever {@code context} was configured with by kvgate's configuration in {@code format}.
     * The root level goes back to {@code -Dkvgate.log.level} (INFO when unset); {@link LogLevel} applies
     * the configuration file's level after this.
     */
    static void apply(LoggerContext context, LogSettings.Format format) {
        context.reset();
        context.putProperty(ACTIVE, format.name().toLowerCase(Locale.ROOT));

        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(APPENDER);
        appender.setTarget("System.err");
        appender.setEncoder(encoder(context, format));
        appender.start();

        context.getLogger("io.netty").setLevel(Level.INFO);
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getProperty("kvgate.log.level"), Level.INFO));
        root.addAppender(appender);
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogSettings.Format format) {
        if (format == LogSettings.Format.JSON) {
            LogstashEncoder json = new LogstashEncoder();
            json.setContext(context);
            // Logback's context properties are kvgate.log.* switches, not facts about the line.
            json.setIncludeContext(false);
            json.addProvider(new ChannelJsonProvider());
            json.start();
            return json;
        }
        TextLayout layout = new TextLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
        text.setContext(context);
        text.setLayout(layout);
        text.start();
        return text;
    }

    private static boolean onClassPath(String resource) {
        ClassLoader loader = LogConfigurator.class.getClassLoader();
        return loader != null && loader.getResource(resource) != null;
    }
}
