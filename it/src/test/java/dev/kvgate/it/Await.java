package dev.kvgate.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.LoggerFactory;

/**
 * Waiting for something observable to happen (a counter to move, a request to succeed, a log line)
 * instead of sleeping for a guessed time: the wait ends as soon as it happens, and only its generous
 * outer timeout is a number.
 */
public final class Await {
    private Await() {
    }

    /** Returns once {@code condition} holds (checked about every millisecond); fails after {@code timeout}. */
    public static void until(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * A latch released by the first line kvgate logs (logger {@code dev.kvgate}, any level) that
     * contains every fragment. Create it before the action that causes the line.
     */
    public static LogLine logLine(String... fragments) {
        return new LogLine(fragments);
    }

    public static final class LogLine implements AutoCloseable {
        private final Logger logger = (Logger) LoggerFactory.getLogger("dev.kvgate");
        private final CountDownLatch seen = new CountDownLatch(1);
        private final AppenderBase<ILoggingEvent> appender;

        private LogLine(String[] fragments) {
            appender = new AppenderBase<>() {
                @Override
                protected void append(ILoggingEvent e) {
                    String m = e.getFormattedMessage();
                    for (String f : fragments) {
                        if (!m.contains(f)) {
                            return;
                        }
                    }
                    seen.countDown();
                }
            };
            appender.start();
            logger.addAppender(appender);
        }

        /** Waits for the line; fails after {@code timeout}. */
        public void await(Duration timeout, String what) throws InterruptedException {
            if (!seen.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("no log line within " + timeout.toMillis() + " ms: " + what);
            }
        }

        public boolean seen() {
            return seen.getCount() == 0;
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
            appender.stop();
        }
    }
}
