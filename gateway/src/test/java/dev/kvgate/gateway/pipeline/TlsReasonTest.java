package dev.kvgate.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.CertPathValidatorException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The reason in a TLS failure line can quote the peer (its certificate's names): it stays one line. */
class TlsReasonTest {

    @Test
    void aReasonQuotingThePeerIsEscaped() {
        SSLHandshakeException e = new SSLHandshakeException("bad certificate");
        e.initCause(new CertPathValidatorException("subject CN=evil\n1999-12-31 INFO forged"));
        assertEquals("peer certificate not trusted: subject CN=evil\\n1999-12-31 INFO forged",
                TlsInfoHandler.reason(e));
    }

    @Test
    void aReasonIsCut() {
        String reason = TlsInfoHandler.reason(new SSLHandshakeException("x".repeat(10_000)));
        assertTrue(reason.endsWith("...(+9744)"), reason);
    }
}
