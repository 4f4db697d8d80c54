package dev.kvgate.gateway.admin;

import dev.kvgate.config.KvgateSettings;
import dev.kvgate.tls.Pem;
import dev.kvgate.tls.ServerTls;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The certificates whose expiry an operator has to watch: the chain the TLS listeners serve now (as
 * reloaded), the CAs trusted for client certificates, and the CAs and client chain used towards TLS
 * shards. Files are read at each call: they are small, and a renewed file shows at the next scrape.
 */
final class Certificates {
    /** One certificate; {@code source} is its file, or "generated" for the development certificate. */
    record Entry(String role, String subject, String serial, java.time.Instant notAfter, String source) {
        double secondsLeft(Clock clock) {
            return (notAfter.toEpochMilli() - clock.millis()) / 1000.0;
        }
    }

    private Certificates() {
    }

    static List<Entry> of(AdminSources sources) {
        List<Entry> out = new ArrayList<>();
        KvgateSettings s = sources.settings();
        if (sources.serverTls() != null) {
            ServerTls served = sources.serverTls().current();
            String source = served.selfSignedFingerprint().isPresent() ? "generated"
                    : s.tls().certChain().map(Path::toString).orElse("?");
            X509Certificate[] chain = served.chain();
            for (int i = 0; i < chain.length; i++) {
                out.add(entry(i == 0 ? "server" : "server-chain", chain[i], source));
            }
            if (s.tls().clientAuth() != dev.kvgate.config.TlsSettings.ClientAuth.NONE) {
                file(out, "client-ca", s.tls().trust());
            }
        }
        if (s.shards().stream().anyMatch(dev.kvgate.config.ShardSettings::tls)) {
            file(out, "backend-ca", s.backendTls().trust());
            file(out, "backend-client", s.backendTls().certChain());
        }
        return out;
    }

    private static void file(List<Entry> out, String role, Optional<Path> file) {
        if (file.isEmpty()) {
            return;
        }
        try {
            for (X509Certificate c : Pem.readCertificates(file.get())) {
                out.add(entry(role, c, file.get().toString()));
            }
        } catch (RuntimeException e) {
            // Unreadable now: the TLS code has logged it when it mattered; the metric just lacks it.
        }
    }

    private static Entry entry(String role, X509Certificate c, String source) {
        return new Entry(role, c.getSubjectX500Principal().getName(), c.getSerialNumber().toString(16),
                c.getNotAfter().toInstant(), source);
    }
}
