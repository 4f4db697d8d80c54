package dev.kvgate.gateway.auth;

import dev.kvgate.gateway.log.LogSafe;
import dev.kvgate.gateway.log.PeerWarnings;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Responses;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authentication state of one client connection. Used on the connection's event loop only:
 * {@link #authenticated()} before routing a data command (0x20 when false), {@link #handle(ByteBuf)} for
 * SASL_LIST_MECHS, SASL_AUTH and SASL_STEP.
 *
 * <p>Names the client sent reach the log through {@link LogSafe}; refusals and failures, which a client
 * can repeat without knowing a password, through the server's {@link PeerWarnings}.
 */
public final class ConnectionAuth {
    private static final Logger log = LoggerFactory.getLogger(ConnectionAuth.class);
    private static final String PLAIN = "PLAIN";
    private static final byte[] AUTHENTICATED = "Authenticated".getBytes(StandardCharsets.US_ASCII);
    /** Real mechanism names are at most 20 characters (RFC 4422). */
    private static final int MECHANISM_MAX = 32;
    private static final int CERTIFICATE_NAME_MAX = 128;

    private final Authenticator auth;
    private final Channel channel;
    private String user;
    private boolean certificateChecked;

    ConnectionAuth(Authenticator auth, Channel channel) {
        this.auth = auth;
        this.channel = channel;
        if (!auth.settings.saslEnabled() && !auth.settings.certificateEnabled()) {
            user = "";
        }
    }

    /**
     * Whether the connection may send data commands: always with {@code auth.mode = none}; after a
     * successful SASL_AUTH; or, in certificate modes, when the client certificate's identity maps to a user
     * (looked at once, the first time after the TLS handshake).
     */
    public boolean authenticated() {
        if (user != null) {
            return true;
        }
        if (auth.settings.certificateEnabled() && !certificateChecked) {
            Optional<ClientIdentity> identity = ClientIdentity.of(channel);
            if (identity.isPresent()) {
                certificateChecked = true;
                for (String name : identity.get().names()) {
                    String mapped = auth.certificateUsers.get(name);
                    if (mapped != null) {
                        user = mapped;
                        log.info("{} authenticated as {} by client certificate ({})", channel, mapped,
                                LogSafe.text(name, CERTIFICATE_NAME_MAX));
                        return true;
                    }
                }
                PeerWarnings.of(channel).info(log, channel,
                        "{} client certificate ({}) maps to no user in kvgate.auth.certificate-users", channel,
                        identity.get().describeClient());
            }
        }
        return false;
    }

    /** The authenticated user; empty before authentication and with {@code auth.mode = none}. */
    public Optional<String> user() {
        return user == null || user.isEmpty() ? Optional.empty() : Optional.of(user);
    }

    /** SASL mechanisms this connection may use: PLAIN when SASL is on and the link is TLS (or plain is allowed). */
    public String mechanisms() {
        boolean tls = channel.pipeline().get(SslHandler.class) != null;
        return auth.settings.saslEnabled() && (tls || auth.settings.allowPlainOnPlaintext()) ? PLAIN : "";
    }

    /**
     * Answers a SASL_LIST_MECHS, SASL_AUTH or SASL_STEP request. Takes ownership of {@code frame} (released
     * here). The future completes on the channel's event loop with one response buffer owned by the caller
     * (to write, or to release if the connection is gone); it never completes exceptionally.
     * LIST_MECHS and refusals complete at once; a password check completes after PBKDF2 on the auth pool.
     */
    public CompletableFuture<ByteBuf> handle(ByteBuf frame) {
        byte opcode;
        int opaque;
        byte[] mechanism;
        byte[] payload;
        try {
            opcode = Mcbp.opcode(frame);
            opaque = Mcbp.opaque(frame);
            mechanism = new byte[Mcbp.keyLength(frame)];
            frame.getBytes(Mcbp.keyIndex(frame), mechanism);
            payload = new byte[Mcbp.valueLength(frame)];
            frame.getBytes(Mcbp.valueIndex(frame), payload);
        } finally {
            frame.release();
        }
        if (opcode == Opcode.SASL_LIST_MECHS.code()) {
            String mechs = mechanisms();
            return done(mechs.isEmpty()
                    ? Responses.error(channel.alloc(), opcode, Status.NOT_SUPPORTED, opaque)
                    : Responses.simple(channel.alloc(), opcode, Status.SUCCESS, opaque, 0,
                    mechs.getBytes(StandardCharsets.US_ASCII)));
        }
        if (opcode == Opcode.SASL_STEP.code()) {
            // PLAIN is single-step: a STEP has no exchange to continue.
            return done(Responses.error(channel.alloc(), opcode, Status.AUTH_ERROR, opaque));
        }
        if (opcode != Opcode.SASL_AUTH.code()) {
            return done(Responses.error(channel.alloc(), opcode, Status.INVALID_ARGUMENTS, opaque));
        }
        if (!PLAIN.equals(new String(mechanism, StandardCharsets.US_ASCII)) || !mechanisms().contains(PLAIN)) {
            PeerWarnings.of(channel).info(log, channel, "{} SASL {} refused: {}", channel,
                    LogSafe.bytes(mechanism, MECHANISM_MAX), mechanisms().isEmpty()
                    ? (auth.settings.saslEnabled() ? "PLAIN on a plain listener (kvgate.auth.allow-plain-on-plaintext = false)"
                    : "SASL is not enabled (kvgate.auth.mode = " + auth.settings.mode().name().toLowerCase() + ")")
                    : "unsupported mechanism");
            return done(Responses.error(channel.alloc(), opcode, Status.AUTH_ERROR, opaque));
        }
        // authzid NUL authcid NUL password
        int first = indexOf(payload, 0);
        int second = first < 0 ? -1 : indexOf(payload, first + 1);
        if (second < 0) {
            Arrays.fill(payload, (byte) 0);
            return done(Responses.error(channel.alloc(), opcode, Status.AUTH_ERROR, opaque));
        }
        String name = new String(payload, first + 1, second - first - 1, StandardCharsets.UTF_8);
        java.nio.CharBuffer decoded = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(payload, second + 1,
                payload.length - second - 1));
        char[] password = Arrays.copyOf(decoded.array(), decoded.limit());
        Arrays.fill(decoded.array(), '\0');
        Arrays.fill(payload, (byte) 0);
        PasswordHash hash = auth.users.get(name);
        PasswordHash checked = hash != null ? hash : auth.decoy;
        CompletableFuture<Boolean> verified;
        try {
            verified = CompletableFuture.supplyAsync(() -> {
                try {
                    return checked.matches(password) && hash != null;
                } finally {
                    Arrays.fill(password, '\0');
                }
            }, auth.verifier);
        } catch (RejectedExecutionException e) {
            Arrays.fill(password, '\0');
            PeerWarnings.of(channel).warn(log, channel,
                    "{} SASL PLAIN for {}: too many password checks queued; answering busy", channel,
                    LogSafe.text(name));
            return done(Responses.error(channel.alloc(), opcode, Status.BUSY, opaque));
        }
        return verified.handleAsync((ok, failure) -> {
            if (ok != null && ok) {
                // The answer first: if it cannot be built the exchange fails (0x84) and the connection
                // must not be left authenticated behind the client's back.
                ByteBuf success = Responses.simple(channel.alloc(), opcode, Status.SUCCESS, opaque, 0, AUTHENTICATED);
                user = name;
                // Not rate-limited: it takes a valid password, and each one costs a PBKDF2 derivation.
                log.info("{} authenticated as {} by SASL PLAIN", channel, LogSafe.text(name));
                return success;
            }
            PeerWarnings.of(channel).info(log, channel, "{} SASL PLAIN authentication failed for user {}", channel,
                    LogSafe.text(name));
            return Responses.error(channel.alloc(), opcode, Status.AUTH_ERROR, opaque);
        }, channel.eventLoop());
    }

    private static CompletableFuture<ByteBuf> done(ByteBuf response) {
        return CompletableFuture.completedFuture(response);
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
