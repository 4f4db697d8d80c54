package dev.kvgate.gateway.auth;

import dev.kvgate.config.AuthSettings;
import dev.kvgate.mcbp.Opcode;
import io.netty.channel.Channel;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kvgate's front-door authentication, from {@code kvgate.auth}: SASL PLAIN against salted password
 * hashes and/or the client certificate identity mapped to a user. One per server; it hands out a
 * {@link ConnectionAuth} per client connection.
 *
 * <p>Password checks cost a PBKDF2 derivation (hundreds of ms at the default iterations), so they run on a
 * small bounded pool of their own, never on an event loop; past its queue, SASL_AUTH gets 0x85 (busy).
 */
public final class Authenticator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
    private static final int VERIFY_QUEUE = 256;

    final AuthSettings settings;
    final Map<String, PasswordHash> users = new HashMap<>();
    /** Identity (CN, SAN, URI) -> user, in configuration order. */
    final Map<String, String> certificateUsers = new LinkedHashMap<>();
    /** Checked for unknown users, so that the time taken does not tell which users exist. */
    final PasswordHash decoy;
    final ExecutorService verifier;

    public Authenticator(AuthSettings settings) {
        this.settings = settings;
        int iterations = PasswordHash.DEFAULT_ITERATIONS;
        for (AuthSettings.User u : settings.users()) {
            PasswordHash hash = PasswordHash.parse(u.passwordHash());
            users.put(u.name(), hash);
            iterations = Integer.parseInt(u.passwordHash().split("\\$")[1]);
        }
        decoy = PasswordHash.decoy(Math.max(iterations, 10_000));
        for (AuthSettings.CertificateUser m : settings.certificateUsers()) {
            certificateUsers.putIfAbsent(m.identity(), m.user());
        }
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() / 2));
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(VERIFY_QUEUE), r -> {
                    Thread t = new Thread(r, "kvgate-auth");
                    t.setDaemon(true);
                    return t;
                });
        verifier = pool;
        if (settings.mode() != AuthSettings.Mode.NONE) {
            log.info("auth: mode {}, {} SASL user(s), {} certificate identit(y/ies){}",
                    settings.mode().name().toLowerCase().replace('_', '-'), users.size(), certificateUsers.size(),
                    settings.saslEnabled() && settings.allowPlainOnPlaintext()
                            ? "; SASL PLAIN allowed on plain listeners (passwords in the clear)" : "");
        }
    }

    /** The auth state of a new client connection (call when the channel is set up, on its event loop). */
    public ConnectionAuth newConnection(Channel channel) {
        return new ConnectionAuth(this, channel);
    }

    public AuthSettings.Mode mode() {
        return settings.mode();
    }

    /**
     * Opcodes a connection may send before it is authenticated (as memcached with SASL: the SASL commands
     * and VERSION; plus HELLO and QUIT, which reveal and touch nothing). Everything else gets 0x20.
     */
    public static boolean allowedBeforeAuth(byte opcode) {
        return opcode == Opcode.SASL_LIST_MECHS.code() || opcode == Opcode.SASL_AUTH.code()
                || opcode == Opcode.SASL_STEP.code() || opcode == Opcode.VERSION.code()
                || opcode == Opcode.HELLO.code() || opcode == Opcode.QUIT.code() || opcode == Opcode.QUITQ.code();
    }

    /** Stops the password verifier threads. */
    @Override
    public void close() {
        verifier.shutdownNow();
    }
}
