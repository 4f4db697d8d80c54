package dev.kvgate.it.tls;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** What kvgate logs (logger {@code dev.kvgate}, INFO and above) while a test runs. */
final class Logs implements AutoCloseable {
    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.kvgate");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    Logs() {
        appender.start();
        logger.addAppender(appender);
    }

    List<String> lines() {
        synchronized (appender) {
            return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage()).toList();
        }
    }

    List<String> matching(String... fragments) {
        Predicate<String> all = line -> {
            for (String f : fragments) {
                if (!line.contains(f)) {
                    return false;
                }
            }
            return true;
        };
        return lines().stream().filter(all).toList();
    }

    /** Waits up to {@code timeout} for a line containing every fragment; returns the lines found. */
    List<String> await(Duration timeout, String... fragments) throws InterruptedException {
        try {
            dev.kvgate.it.Await.until(timeout, "a line with " + List.of(fragments), () -> !matching(fragments).isEmpty());
        } catch (AssertionError e) {
            return List.of();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return matching(fragments);
    }

    void clear() {
        synchronized (appender) {
            appender.list.clear();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
