package dev.kvgate.check;

/** The two transports check runs a case over; their outcomes are compared case by case. */
public enum Transport {
    PLAIN("plain"),
    TLS("tls");

    private final String label;

    Transport(String label) {
        this.label = label;
    }

    /** The column heading and the name in reports. */
    public String label() {
        return label;
    }
}
