package dev.kvgate.gateway;

/** The two client transports every protocol test runs over. */
public enum TransportKind {
    PLAIN("plain"),
    TLS("tls");

    private final String listener;

    TransportKind(String listener) {
        this.listener = listener;
    }

    /** The name of the listener serving this transport in the test gateway. */
    public String listener() {
        return listener;
    }
}
