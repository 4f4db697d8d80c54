package dev.kvgate.gateway.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.Arrays;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What a logger and its children log while a test runs, as events and as the lines a log file would get. */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final PatternLayout layout = new PatternLayout();

    public LogCapture(String loggerName) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        layout.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        layout.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger - %msg%n");
        layout.start();
        appender.start();
        logger.addAppender(appender);
    }

    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** The formatted messages of the events whose message contains every fragment. */
    public List<String> messages(String... fragments) {
        return events().stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> Arrays.stream(fragments).allMatch(m::contains)).toList();
    }

    /** Every event rendered as a file appender would, split at line ends: what someone reading the file sees. */
    public List<String> fileLines() {
        StringBuilder text = new StringBuilder();
        events().forEach(e -> text.append(layout.doLayout(e)));
        return text.toString().lines().toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        layout.stop();
    }
}
