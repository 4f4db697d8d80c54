package dev.kvgate.config;

/**
 * Log output.
 *
 * @param accessLog whether answered requests are logged on {@code kvgate.access}
 * @param accessSample fraction of requests logged when on, (0, 1]
 */
public record LogSettings(Format format, boolean accessLog, double accessSample) {
    public enum Format { TEXT, JSON }
}
