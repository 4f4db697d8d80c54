package dev.kvgate.gateway.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import dev.kvgate.config.LogSettings;
import java.util.ServiceLoader;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogConfiguratorTest {
    private final LoggerContext context = new LoggerContext();

    @AfterEach
    void stop() {
        context.stop();
        System.clearProperty("logback.configurationFile");
        System.clearProperty("kvgate.log.level");
        System.clearProperty("kvgate.log.format");
    }

    private ConsoleAppender<ILoggingEvent> stderr() {
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        return (ConsoleAppender<ILoggingEvent>) root.getAppender("STDERR");
    }

    @Test
    void logbackFindsItAsAService() {
        assertEquals(LogConfigurator.class, ServiceLoader.load(ch.qos.logback.classic.spi.Configurator.class)
                .findFirst().orElseThrow().getClass());
    }

    @Test
    void textOnStderrAtInfoByDefault() {
        LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);
        assertEquals(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, configurator.configure(context));
        assertEquals("text", context.getProperty(LogConfigurator.ACTIVE));
        assertEquals("System.err", stderr().getTarget());
        assertInstanceOf(TextLayout.class, ((LayoutWrappingEncoder<ILoggingEvent>) stderr().getEncoder()).getLayout());
        assertEquals(Level.INFO, context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel());
        assertEquals(Level.INFO, context.getLogger("io.netty").getLevel());
    }

    @Test
    void systemPropertiesChooseFormatAndLevel() {
        System.setProperty("kvgate.log.format", "JSON");
        System.setProperty("kvgate.log.level", "debug");
        LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);
        configurator.configure(context);
        assertEquals("json", context.getProperty(LogConfigurator.ACTIVE));
        assertInstanceOf(LogstashEncoder.class, stderr().getEncoder());
        assertEquals(Level.DEBUG, context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel());
    }

    @Test
    void anUnknownFormatIsText() {
        System.setProperty("kvgate.log.format", "yaml");
        assertEquals(LogSettings.Format.TEXT, LogConfigurator.startFormat());
    }

    @Test
    void aConfigurationFileOfOnesOwnWins() {
        System.setProperty("logback.configurationFile", "/etc/kvgate/logback.xml");
        LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);
        assertEquals(ExecutionStatus.INVOKE_NEXT_IF_ANY, configurator.configure(context));
        assertNull(context.getProperty(LogConfigurator.ACTIVE));
        assertNull(stderr());
    }

    @Test
    void switchingFormatReplacesTheAppender() {
        LogConfigurator.apply(context, LogSettings.Format.JSON);
        LogConfigurator.apply(context, LogSettings.Format.TEXT);
        assertEquals("text", context.getProperty(LogConfigurator.ACTIVE));
        assertInstanceOf(LayoutWrappingEncoder.class, stderr().getEncoder());
        assertEquals(1, countAppenders());
    }

    private int countAppenders() {
        int n = 0;
        for (var it = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders(); it.hasNext(); it.next()) {
            n++;
        }
        return n;
    }
}
