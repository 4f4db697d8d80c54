package dev.kvgate.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects Netty's "LEAK:" reports so a test can fail on them instead of leaving them in a log nobody reads.
 */
public final class LeakReportAppender extends AppenderBase<ILoggingEvent> {

    /** Netty's {@code ResourceLeakDetector} logs its reports on its own class name. */
    public static final String LEAK_LOGGER = "io.netty.util.ResourceLeakDetector";

    static final String APPENDER_NAME = "kvgate-leak-report";

    // Static because Netty reports from whichever thread polls the reference queue, not the test's.
    private static final List<String> REPORTS = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent event) {
        String message = event.getFormattedMessage();
        if (event.getLevel().isGreaterOrEqual(Level.ERROR) && message != null && message.startsWith("LEAK:")) {
            REPORTS.add(message);
        }
    }

    /**
     * Attaches one appender to Netty's leak logger; safe to call repeatedly, and again after a logback
     * reset (a test reconfiguring logging would otherwise silently detach it).
     */
    public static synchronized void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new AssertionError("logback is not the SLF4J backend (found "
                    + LoggerFactory.getILoggerFactory().getClass().getName()
                    + "): Netty leak reports cannot be captured");
        }
        Logger logger = context.getLogger(LEAK_LOGGER);
        if (!logger.isErrorEnabled()) {
            // Netty does not even build reports when the logger is off.
            logger.setLevel(Level.ERROR);
        }
        if (logger.getAppender(APPENDER_NAME) != null) {
            return;
        }
        LeakReportAppender appender = new LeakReportAppender();
        appender.setName(APPENDER_NAME);
        appender.setContext(context);
        appender.start();
        logger.addAppender(appender);
    }

    /** Returns the reports captured so far and forgets them. */
    public static List<String> drain() {
        List<String> drained = new ArrayList<>();
        synchronized (REPORTS) {
            drained.addAll(REPORTS);
            REPORTS.removeAll(drained);
        }
        return drained;
    }
}
