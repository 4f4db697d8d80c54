package dev.kvgate.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.kvgate.config.TlsSettings;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(60)
class ReloadingServerTlsTest {

    @TempDir
    Path dir;

    private static TlsSettings settings(TestFiles files, TlsSettings.Provider provider, Duration interval,
                                        Duration expiryWarning) {
        return new TlsSettings(Optional.of(files.serverChain), Optional.of(files.serverKey), Optional.empty(),
                provider, List.of("TLSv1.3", "TLSv1.2"), List.of(), TlsSettings.ClientAuth.NONE, Optional.empty(),
                Duration.ofSeconds(5), interval, expiryWarning);
    }

    /** A new server certificate for the same names, written over the served files. */
    private static X509Certificate renew(TestFiles files, Instant notAfter) {
        KeyPair keys = files.keyType.generateKeyPair();
        X509Certificate renewed = new CertificateBuilder("tls-test-server-renewed", keys.getPublic())
                .validity(Instant.now().minus(Duration.ofDays(1)), notAfter)
                .dnsName("localhost").ipAddress("127.0.0.1").serverAuth()
                .issuedBy(files.ca, files.caKeys.getPrivate());
        // Key first, then chain: a reader in between sees a mismatched pair, which must not be served.
        Pem.write(files.serverKey, Pem.privateKey(keys.getPrivate()));
        Pem.write(files.serverChain, Pem.certificates(renewed, files.ca));
        return renewed;
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void renewedCertificateIsServedToNewConnections(TlsSettings.Provider provider) throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        try (ReloadingServerTls tls = ReloadingServerTls.start(settings(files, provider, Duration.ofHours(1),
                Duration.ofDays(14)))) {
            SslContext before = tls.get();
            SslContext client = ClientTls.trustingCertificates(provider, files.ca);
            assertEquals(files.server, Loopback.run(tls.get(), client, "localhost").clientSession()
                    .getPeerCertificates()[0]);

            assertFalse(tls.checkNow(), "nothing changed");
            Files.setLastModifiedTime(files.serverChain, FileTime.from(Instant.now().plusSeconds(5)));
            assertFalse(tls.checkNow(), "a touch alone is no change");

            X509Certificate renewed = renew(files, Instant.now().plus(Duration.ofDays(300)));
            assertTrue(tls.checkNow());
            assertNotSame(before, tls.get());
            assertEquals(1, tls.reloads());
            Loopback.Outcome outcome = Loopback.run(tls.get(), client, "localhost");
            assertTrue(outcome.succeeded());
            assertEquals(renewed, outcome.clientSession().getPeerCertificates()[0]);
        }
    }

    @Test
    void brokenFileKeepsTheOldContextAndIsLoggedOncePerChange() throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.RSA);
        try (LogCapture log = new LogCapture(ReloadingServerTls.class);
             ReloadingServerTls tls = ReloadingServerTls.start(settings(files, TlsSettings.Provider.AUTO,
                     Duration.ofHours(1), Duration.ofDays(14)))) {
            SslContext served = tls.get();
            Files.writeString(files.serverChain, "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n",
                    StandardCharsets.US_ASCII);
            assertFalse(tls.checkNow());
            assertFalse(tls.checkNow());
            assertSame(served, tls.get());
            List<String> warnings = log.lines(Level.WARN);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains(files.serverChain.toString()), warnings.get(0));
            assertTrue(warnings.get(0).contains("still serving"), warnings.get(0));
            assertEquals(1, tls.failedReloads());

            Files.writeString(files.serverChain, "still not a certificate", StandardCharsets.US_ASCII);
            assertFalse(tls.checkNow());
            assertEquals(2, log.lines(Level.WARN).size(), "a new change is reported again");

            Files.delete(files.serverKey);
            assertFalse(tls.checkNow());
            assertTrue(log.lines(Level.WARN).get(2).contains(files.serverKey.toString()), log.lines(Level.WARN).get(2));
            assertSame(served, tls.get());

            renew(files, Instant.now().plus(Duration.ofDays(300)));
            assertTrue(tls.checkNow(), "good files are taken again");
            assertNotSame(served, tls.get());
        }
    }

    @Test
    void timerPicksUpChanges() throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        try (ReloadingServerTls tls = ReloadingServerTls.start(settings(files, TlsSettings.Provider.AUTO,
                Duration.ofMillis(50), Duration.ofDays(14)))) {
            X509Certificate renewed = renew(files, Instant.now().plus(Duration.ofDays(300)));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!tls.current().chain()[0].equals(renewed) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(renewed, tls.current().chain()[0]);
        }
    }

    @Test
    void expiringCertificateIsWarnedAtStartAndOnReload() throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        renew(files, Instant.now().plus(Duration.ofDays(3)));
        try (LogCapture log = new LogCapture(CertificateExpiry.class);
             ReloadingServerTls tls = ReloadingServerTls.start(settings(files, TlsSettings.Provider.AUTO,
                     Duration.ofHours(1), Duration.ofDays(14)), Clock.systemUTC())) {
            assertEquals(1, log.lines(Level.WARN).size(), log.lines(Level.WARN).toString());
            assertTrue(log.lines(Level.WARN).get(0).contains("expires at"), log.lines(Level.WARN).get(0));
            assertTrue(log.lines(Level.WARN).get(0).contains(files.serverChain.toString()));

            renew(files, Instant.now().plus(Duration.ofDays(200)));
            assertTrue(tls.checkNow());
            assertEquals(1, log.lines(Level.WARN).size(), "a certificate far from expiry is not warned about");

            renew(files, Instant.now().plus(Duration.ofDays(10)));
            assertTrue(tls.checkNow());
            assertEquals(2, log.lines(Level.WARN).size());
        }
    }
}
