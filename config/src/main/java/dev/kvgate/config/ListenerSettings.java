package dev.kvgate.config;

/**
 * One listening socket; TLS listeners put the SslHandler in front of the same pipeline.
 *
 * @param protocol which client protocols the listener serves, told apart on a connection's first byte
 */
public record ListenerSettings(String name, String host, int port, boolean tls, Protocol protocol) {
    /** The client protocols a listener serves. */
    public enum Protocol {
        /** Binary (first byte 0x80 or 0x08) or text/meta (anything else), as memcached decides. */
        AUTO,
        /** Binary only: a text client gets one SERVER_ERROR line and is closed. */
        BINARY,
        /** Text and meta only: every connection is read as text. */
        TEXT
    }

    /** A listener serving both protocols ({@code protocol = auto}). */
    public ListenerSettings(String name, String host, int port, boolean tls) {
        this(name, host, port, tls, Protocol.AUTO);
    }
}
