package dev.kvgate.gateway.log;

import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentHashMap;

/**
 * kvgate's text log line, {@code HH:mm:ss.SSS LEVEL [thread] abbreviated.Logger - message}, then the
 * stack trace of an exception if there is one: what the pattern
 * {@code %d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n} gives, written directly instead of
 * through Logback's pattern parser and its converter chain (about 60 classes loaded at start).
 */
public final class TextLayout extends LayoutBase<ILoggingEvent> {
    private static final int MILLIS_PER_DAY = 86_400_000;
    private final TargetLengthBasedClassNameAbbreviator abbreviator = new TargetLengthBasedClassNameAbbreviator(20);
    private final ConcurrentHashMap<String, String> abbreviations = new ConcurrentHashMap<>();

    @Override
    public String doLayout(ILoggingEvent event) {
        String message = event.getFormattedMessage();
        StringBuilder line = new StringBuilder(64 + (message == null ? 4 : message.length()));
        long time = event.getTimeStamp();
        time(line, (int) Math.floorMod(time + TimeZone.getDefault().getOffset(time), (long) MILLIS_PER_DAY));
        line.append(' ');
        String level = event.getLevel().toString();
        line.append(level);
        for (int pad = level.length(); pad < 5; pad++) {
            line.append(' ');
        }
        line.append(" [").append(event.getThreadName()).append("] ");
        String logger = event.getLoggerName();
        line.append(logger == null ? "" : abbreviations.computeIfAbsent(logger, abbreviator::abbreviate));
        line.append(" - ").append(message).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(ThrowableProxyUtil.asString(thrown)); // one line each, every one ended
        }
        return line.toString();
    }

    /** {@code HH:mm:ss.SSS} of the milliseconds since local midnight. */
    private static void time(StringBuilder line, int millisOfDay) {
        two(line, millisOfDay / 3_600_000).append(':');
        two(line, millisOfDay / 60_000 % 60).append(':');
        two(line, millisOfDay / 1000 % 60).append('.');
        int millis = millisOfDay % 1000;
        line.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10));
    }

    private static StringBuilder two(StringBuilder line, int value) {
        return line.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }
}
