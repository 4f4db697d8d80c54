package dev.kvgate.gateway.pipeline;

/** Names of the handlers in kvgate's pipelines, in pipeline order. */
public final class HandlerNames {
    public static final String TLS_RECORDS = "tls-records";
    public static final String WIRE_COUNTERS = "wire-counters";
    public static final String TLS = "tls";
    public static final String TLS_METRICS = "tls-metrics";
    public static final String TLS_INFO = "tls-info";
    public static final String TLS_CLOSE = "tls-close";
    public static final String ACCESS_LOG = "access-log";
    public static final String IDLE = "idle";
    public static final String FRAMES = "frames";
    public static final String SESSION = "session";
    public static final String BACKEND = "backend";

    private HandlerNames() {
    }
}
