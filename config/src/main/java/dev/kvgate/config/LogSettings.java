package dev.kvgate.config;

import java.util.Optional;

/**
 * Log output.
 *
 * @param accessLog whether answered requests are logged on {@code kvgate.access}
 * @param accessSample fraction of requests logged when on, (0, 1]
 * @param level the level of kvgate's root logger (trace, debug, info, warn, error, off); empty to
 *              leave Logback's own (INFO, or {@code -Dkvgate.log.level})
 */
public record LogSettings(Format format, boolean accessLog, double accessSample, Optional<String> level) {
    public enum Format { TEXT, JSON }

    public LogSettings(Format format, boolean accessLog, double accessSample) {
        this(format, accessLog, accessSample, Optional.empty());
    }
}
