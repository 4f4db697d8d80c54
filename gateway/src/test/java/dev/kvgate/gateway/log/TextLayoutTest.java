package dev.kvgate.gateway.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** kvgate's text layout writes what the Logback pattern it replaced wrote, byte for byte. */
class TextLayoutTest {
    private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n";
    private final LoggerContext context = new LoggerContext();
    private final PatternLayout pattern = new PatternLayout();
    private final TextLayout layout = new TextLayout();

    @BeforeEach
    void start() {
        pattern.setContext(context);
        pattern.setPattern(PATTERN);
        pattern.start();
        layout.setContext(context);
        layout.start();
    }

    @AfterEach
    void stop() {
        pattern.stop();
        layout.stop();
        context.stop();
    }

    private LoggingEvent event(String loggerName, Level level, String message, Throwable thrown, Object... args) {
        Logger logger = context.getLogger(loggerName);
        LoggingEvent event = new LoggingEvent(Logger.FQCN, logger, level, message, thrown, args);
        event.setThreadName("multiThreadIoEventLoopGroup-3-1");
        return event;
    }

    private void same(LoggingEvent event) {
        assertEquals(pattern.doLayout(event), layout.doLayout(event));
    }

    @Test
    void everyLevelAndLoggerNameLength() {
        for (Level level : new Level[] {Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR}) {
            same(event("dev.kvgate.gateway.server.KvgateServer", level, "kvgate listening on {}", null, 11210));
            same(event("kvgate.access", level, "plain get success", null));
            same(event("a.b", level, "", null));
            same(event("io.netty.handler.ssl.ReferenceCountedOpenSslEngine", level, "x {} {}", null, "y", null));
        }
    }

    @Test
    void timesAcrossTheDay() {
        for (long time : new long[] {0, 59_999, 3_600_000, 43_199_999, 86_399_999, 1_780_000_000_123L, -1}) {
            LoggingEvent event = event("dev.kvgate.X", Level.INFO, "at {}", null, time);
            event.setTimeStamp(time);
            same(event);
        }
    }

    @Test
    void stackTracesWithCausesAndSuppressed() {
        IOException cause = new IOException("connection reset");
        IllegalStateException thrown = new IllegalStateException("shard down", cause);
        thrown.addSuppressed(new RuntimeException("while closing"));
        same(event("dev.kvgate.gateway.proxy.SocketBackend", Level.WARN, "shard {} failed", thrown, "s1"));
        same(event("dev.kvgate.gateway.proxy.SocketBackend", Level.ERROR, "no message", new Error()));
    }
}
