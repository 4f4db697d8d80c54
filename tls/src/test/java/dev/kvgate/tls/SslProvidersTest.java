package dev.kvgate.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.TlsSettings;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

class SslProvidersTest {

    @Test
    void openSslLoadsOnThisPlatform() {
        // A broken or missing tcnative native jar would silently make AUTO fall back to the JDK engine.
        assertTrue(OpenSsl.isAvailable(), () -> "netty-tcnative did not load: " + OpenSsl.unavailabilityCause());
    }

    @Test
    void autoPicksOpenSsl() {
        assertEquals(SslProvider.OPENSSL, SslProviders.choose(TlsSettings.Provider.AUTO));
    }

    @Test
    void explicitProvidersAreHonoured() {
        assertEquals(SslProvider.OPENSSL, SslProviders.choose(TlsSettings.Provider.OPENSSL));
        assertEquals(SslProvider.JDK, SslProviders.choose(TlsSettings.Provider.JDK));
    }

    @Test
    void describeNamesTheEngine() {
        assertTrue(SslProviders.describe(SslProvider.OPENSSL).startsWith("OpenSSL ("),
                SslProviders.describe(SslProvider.OPENSSL));
        assertTrue(SslProviders.describe(SslProvider.OPENSSL).contains(OpenSsl.versionString()));
        assertEquals("JDK (" + System.getProperty("java.version") + ")", SslProviders.describe(SslProvider.JDK));
    }

    @Test
    void protocolsDefaultToTls13And12() {
        assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, SslProviders.protocols(List.of()));
        assertArrayEquals(new String[] {"TLSv1.2"}, SslProviders.protocols(List.of("TLSv1.2")));
    }

    @Test
    void protocolsOlderThanTls12AreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SslProviders.protocols(List.of("TLSv1.3", "TLSv1.1")));
        assertTrue(e.getMessage().contains("TLSv1.1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SslProviders.protocols(List.of("SSLv3")));
    }
}
