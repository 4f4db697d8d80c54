package dev.kvgate.tls;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Warns ahead of a served certificate's expiry, so renewal is noticed before clients start failing. */
public final class CertificateExpiry {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateExpiry.class);

    private CertificateExpiry() {
    }

    /** Time left until {@code certificate} expires; negative once it has. */
    public static Duration remaining(X509Certificate certificate, Clock clock) {
        return Duration.between(clock.instant(), certificate.getNotAfter().toInstant());
    }

    /**
     * Logs a WARN naming the certificate, its source and its expiry when it expires within {@code warning}
     * (or has expired); returns whether it did.
     */
    public static boolean warnIfExpiring(X509Certificate certificate, String source, Duration warning, Clock clock) {
        Instant notAfter = certificate.getNotAfter().toInstant();
        Duration left = remaining(certificate, clock);
        if (left.isNegative() || left.isZero()) {
            LOG.warn("TLS certificate {} from {} EXPIRED at {}: clients verifying it will fail; renew it",
                    certificate.getSubjectX500Principal().getName(), source, notAfter);
            return true;
        }
        if (left.compareTo(warning) < 0) {
            LOG.warn("TLS certificate {} from {} expires at {} (in {}h, within kvgate.tls.expiry-warning = {}); "
                            + "renew it", certificate.getSubjectX500Principal().getName(), source, notAfter,
                    left.toHours(), warning);
            return true;
        }
        return false;
    }
}
