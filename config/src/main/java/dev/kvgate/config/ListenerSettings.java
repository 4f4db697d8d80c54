package dev.kvgate.config;

/** One mcbp listening socket; TLS listeners put the SslHandler in front of the same pipeline. */
public record ListenerSettings(String name, String host, int port, boolean tls) {
}
