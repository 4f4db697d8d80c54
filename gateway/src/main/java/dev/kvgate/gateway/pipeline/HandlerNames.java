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
    /** Until the first byte: replaces itself by the binary or the text pipeline. */
    public static final String DETECT = "detect";
    public static final String FRAMES = "frames";
    /** Text clients: in place of FRAMES. */
    public static final String TEXT_DECODER = "text-decoder";
    /** Text clients: between the decoder and the session, turns binary answers into text. */
    public static final String TEXT_ENCODER = "text-encoder";
    public static final String SESSION = "session";
    public static final String BACKEND = "backend";

    private HandlerNames() {
    }
}
