package dev.kvgate.check;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.tls.CertificateBuilder;
import dev.kvgate.tls.KeyType;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * The cases about TLS itself, run over the TLS target only: which protocol versions the server takes
 * and refuses, session resumption, close_notify in both directions, and client certificates.
 */
final class TlsCases {
    private static final Duration CLOSE_TIMEOUT = ScriptRunner.CLOSE_TIMEOUT;
    /**
     * What a client offering TLS 1.0 or 1.1 would: the CBC suites of those versions, for RSA and ECDSA
     * certificates, so a server that still speaks them finds a suite in common.
     */
    private static final List<String> OLD_CIPHERS = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA");

    private TlsCases() {
    }

    static final List<Case> CASES = List.of(
            Case.tls("the handshake verifies the server's certificate chain and host name", TlsCases::handshake),
            Case.tls("TLSv1.3 offered alone is accepted and carries requests", ctx -> accepted(ctx, "TLSv1.3")),
            Case.tls("TLSv1.2 offered alone is accepted and carries requests", ctx -> accepted(ctx, "TLSv1.2")),
            Case.tls("TLSv1.1 offered alone is refused", ctx -> refused(ctx, "TLSv1.1")),
            Case.tls("TLSv1 offered alone is refused", ctx -> refused(ctx, "TLSv1")),
            Case.tls("a resumed session carries requests", TlsCases::resumption),
            Case.tls("the server answers the client's close_notify with its own, or closes",
                    TlsCases::clientCloseNotify),
            Case.tls("QUIT: the server sends close_notify before it closes", TlsCases::quitCloseNotify),
            Case.tls("a client certificate is presented and accepted when the server asks for one",
                    TlsCases::clientCertificate),
            Case.tls("a self-signed client certificate is refused when the server asks for one",
                    TlsCases::untrustedClientCertificate));

    private static Outcome handshake(CaseContext ctx) throws IOException {
        McbpClient c = ctx.connect();
        String problem = noop(ctx, c);
        return problem != null ? Outcome.fail(problem) : Outcome.pass(describe(c));
    }

    private static Outcome accepted(CaseContext ctx, String protocol) throws IOException {
        TlsSetup tls = ctx.target().tls();
        SslContext only = TlsSetup.context(tls.provider(), List.of(protocol), tls.trust(), tls.clientKeys());
        McbpClient c;
        try {
            c = ctx.connect(only);
        } catch (IOException e) {
            throw new Unsupported("the server refuses " + protocol + ": " + rootCause(e));
        }
        String problem = noop(ctx, c);
        return problem != null ? Outcome.fail(problem) : Outcome.pass(describe(c));
    }

    private static Outcome refused(CaseContext ctx, String protocol) {
        TlsSetup tls = ctx.target().tls();
        SslContext old;
        try {
            old = TlsSetup.contextWithCiphers(tls.provider(), List.of(protocol), OLD_CIPHERS, tls.trust(),
                    tls.clientKeys());
        } catch (RuntimeException e) {
            throw new Unsupported("this client's TLS engine cannot offer " + protocol + ": " + e.getMessage());
        }
        SSLEngine probe = old.newEngine(ByteBufAllocator.DEFAULT);
        boolean offered = Arrays.asList(probe.getEnabledProtocols()).contains(protocol);
        io.netty.util.ReferenceCountUtil.release(probe);
        if (!offered) {
            throw new Unsupported("this client's TLS engine (" + tls.engine() + ") cannot offer " + protocol);
        }
        McbpClient c;
        try {
            c = ctx.connect(old);
        } catch (IOException | RuntimeException e) {
            return Outcome.pass("refused: " + rootCause(e));
        }
        return Outcome.fail("the server completed a " + protocol + " handshake (" + describe(c)
                + "): a version RFC 8996 deprecates");
    }

    private static Outcome resumption(CaseContext ctx) throws IOException {
        TlsSetup tls = ctx.target().tls();
        TlsSetup.CountingTrust trust = new TlsSetup.CountingTrust(tls.trust());
        // One context for both connections: its session cache is what offers the first session again.
        SslContext shared = TlsSetup.context(tls.provider(), TlsSetup.PROTOCOLS, trust, tls.clientKeys());
        McbpClient first = ctx.connect(shared);
        String problem = noop(ctx, first);
        if (problem != null) {
            return Outcome.fail("first connection: " + problem);
        }
        String protocol = describe(first);
        // A TLS 1.3 ticket arrives after the handshake; the NOOP's answer came after it.
        first.close();
        int fullHandshakes = trust.serverChains.get();
        McbpClient second;
        try {
            second = ctx.connect(shared);
        } catch (IOException e) {
            return Outcome.fail("a second connection offering the first one's session (" + protocol
                    + ") failed its handshake: " + rootCause(e));
        }
        boolean resumed = trust.serverChains.get() == fullHandshakes;
        problem = noop(ctx, second);
        if (!resumed) {
            if (problem != null) {
                return Outcome.fail("second connection (a full handshake): " + problem);
            }
            throw new Unsupported("the server did not resume the session (" + protocol + "): no session cache or"
                    + " tickets");
        }
        if (problem != null) {
            return Outcome.fail("the resumed connection: " + problem);
        }
        return Outcome.pass("resumed, " + describe(second));
    }

    private static Outcome clientCloseNotify(CaseContext ctx) throws IOException, InterruptedException {
        McbpClient c = ctx.connect();
        String problem = noop(ctx, c);
        if (problem != null) {
            return Outcome.fail(problem);
        }
        c.sendCloseNotify();
        boolean answered = c.closeNotifyReceived(CLOSE_TIMEOUT);
        boolean closed = c.awaitClosed(Duration.ofSeconds(1));
        if (answered) {
            return Outcome.pass(closed ? "answered with its own close_notify and closed"
                    : "answered with its own close_notify, left the TCP connection open (1 s)");
        }
        if (closed) {
            return Outcome.pass("closed without a close_notify of its own");
        }
        return Outcome.fail("neither a close_notify nor a close came within " + CLOSE_TIMEOUT.toSeconds()
                + " s of the client's close_notify");
    }

    private static Outcome quitCloseNotify(CaseContext ctx) throws IOException, InterruptedException {
        McbpClient c = ctx.connect();
        Response r = McbpClient.await(c.send(Request.of(dev.kvgate.mcbp.Opcode.QUIT)), ctx.answerTimeout());
        if (r == null || r.status() != 0) {
            return Outcome.fail("QUIT answered " + ScriptRunner.describe(r) + ", expected status 0x0000");
        }
        if (!c.awaitClosed(CLOSE_TIMEOUT)) {
            return Outcome.fail("the connection is still open " + CLOSE_TIMEOUT.toSeconds() + " s after QUIT");
        }
        if (!c.closeNotifyReceived(CLOSE_TIMEOUT)) {
            return Outcome.fail("the server closed the connection without a close_notify: a client cannot tell"
                    + " this close from a truncation");
        }
        return Outcome.pass("");
    }

    private static Outcome clientCertificate(CaseContext ctx) throws IOException {
        TlsSetup tls = ctx.target().tls();
        TlsSetup.NoticingKeys keys = new TlsSetup.NoticingKeys(tls.clientKeys());
        SslContext noticing = TlsSetup.context(tls.provider(), TlsSetup.PROTOCOLS, tls.trust(), keys);
        McbpClient c;
        String problem;
        try {
            c = ctx.connect(noticing);
            problem = noop(ctx, c);
        } catch (IOException e) {
            problem = "handshake failed: " + rootCause(e);
        }
        if (!keys.asked) {
            if (problem != null) {
                return Outcome.fail(problem);
            }
            throw new Unsupported("the server does not ask for a client certificate");
        }
        if (!tls.hasClientCertificate()) {
            if (problem == null) {
                return Outcome.pass("asked for one, and served a client without (give --cert and --key to test one)");
            }
            throw new Unsupported("the server requires a client certificate: give --cert and --key");
        }
        if (problem != null) {
            return Outcome.fail("the server asked for a client certificate and did not accept --cert: " + problem);
        }
        return Outcome.pass("asked for one; --cert accepted");
    }

    private static Outcome untrustedClientCertificate(CaseContext ctx) {
        TlsSetup tls = ctx.target().tls();
        KeyPair pair = KeyType.EC.generateKeyPair();
        X509Certificate self = new CertificateBuilder("kvgate-check-untrusted-client", pair.getPublic())
                .clientAuth().selfSigned(pair.getPrivate());
        TlsSetup.NoticingKeys keys = new TlsSetup.NoticingKeys(TlsSetup.keyManager(pair.getPrivate(),
                new X509Certificate[] {self}));
        SslContext untrusted = TlsSetup.context(tls.provider(), TlsSetup.PROTOCOLS, tls.trust(), keys);
        String problem;
        try {
            McbpClient c = ctx.connect(untrusted);
            // TLS 1.3: the server judges the client's certificate after the client's handshake is done.
            problem = noop(ctx, c);
        } catch (IOException e) {
            problem = "handshake failed: " + rootCause(e);
        }
        if (!keys.asked) {
            throw new Unsupported("the server does not ask for a client certificate");
        }
        if (problem == null) {
            return Outcome.fail("the server accepted a self-signed client certificate and answered a NOOP");
        }
        return Outcome.pass("refused: " + problem);
    }

    // ---- helpers ----

    /** Null when a NOOP is answered with success, else what happened. */
    private static String noop(CaseContext ctx, McbpClient c) {
        try {
            Response r = McbpClient.await(c.send(Request.noop()), ctx.answerTimeout());
            return r != null && r.status() == 0 ? null : "NOOP answered " + ScriptRunner.describe(r);
        } catch (IOException e) {
            return "NOOP: " + rootCause(e);
        }
    }

    private static String describe(McbpClient c) {
        SSLSession s = c.tlsSession().orElseThrow();
        return s.getProtocol() + ", " + s.getCipherSuite();
    }

    static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
