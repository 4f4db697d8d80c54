package dev.kvgate.check;

import dev.kvgate.client.McbpClient;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;

/** A server address check runs against and the transport it speaks there; {@code tls} is null for plain. */
public record Target(Transport transport, String host, int port, TlsSetup tls) {

    public Target {
        if ((transport == Transport.TLS) != (tls != null)) {
            throw new IllegalArgumentException("a TLS target needs a TlsSetup, a plain one none");
        }
    }

    /** host:port, with brackets around an IPv6 literal. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** A connection as the suite makes it: plain, or TLS with a full handshake (done when this returns). */
    McbpClient connect() throws IOException {
        return McbpClient.connect(host, port, tls == null ? null : tls.standard());
    }

    /** A TLS connection with another context, for the TLS cases. */
    McbpClient connect(SslContext ssl) throws IOException {
        return McbpClient.connect(host, port, ssl);
    }

    @Override
    public String toString() {
        return address() + " (" + transport.label() + ")";
    }
}
