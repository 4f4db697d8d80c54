package dev.kvgate.tls;

import dev.kvgate.config.TlsSettings;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server TLS context of kvgate's listeners, rebuilt when its certificate chain, key or trust files
 * change: each is checked every {@code kvgate.tls.reload-interval} (modification time, size and a
 * SHA-256 of the content, so a touch alone rebuilds nothing).
 *
 * <p>The listeners ask {@link #get()} once per accepted connection, so a renewed certificate applies to
 * new connections while established ones keep the context they were made with. A changed file that
 * does not load (half-written, mismatched key, garbage) keeps the previous context in service and is
 * logged once per change of the files' state, naming the file and the reason. The check runs on its own
 * daemon thread: parsing keys and building a native context must not stall an event loop.
 */
public final class ReloadingServerTls implements Supplier<SslContext>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadingServerTls.class);

    // Replaced together by a configuration reload (reconfigure), under this object's lock.
    private volatile TlsSettings settings;
    private volatile List<Path> watched;
    private final Clock clock;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile ServerTls current;
    private List<FileState> loadedState;
    private List<FileState> failedState;
    private ScheduledExecutorService timer;

    private ReloadingServerTls(TlsSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.watched = watchedFiles(settings);
    }

    private static List<Path> watchedFiles(TlsSettings settings) {
        List<Path> files = new ArrayList<>();
        settings.certChain().ifPresent(files::add);
        settings.privateKey().ifPresent(files::add);
        if (settings.clientAuth() != TlsSettings.ClientAuth.NONE) {
            settings.trust().ifPresent(files::add);
        }
        return List.copyOf(files);
    }

    /**
     * New TLS settings from a configuration reload (other files, protocols, ciphers, client-auth ...):
     * builds their context now, failing as {@link ServerTls#create} does without changing anything;
     * the returned action puts it in service for new connections and watches the new files.
     */
    public Runnable prepare(TlsSettings next) {
        List<FileState> state = new ArrayList<>();
        for (Path p : watchedFiles(next)) {
            state.add(FileState.of(p));
        }
        ServerTls built = ServerTls.create(next);
        return () -> {
            synchronized (this) {
                ServerTls previous = current;
                boolean newInterval = !next.reloadInterval().equals(settings.reloadInterval());
                settings = next;
                watched = watchedFiles(next);
                current = built;
                loadedState = state;
                failedState = null;
                reloads.incrementAndGet();
                LOG.info("TLS settings reloaded: new connections get certificate {} (SHA-256 {}) instead of {} "
                        + "(SHA-256 {}); established connections keep theirs", subject(built), fingerprint(built),
                        subject(previous), fingerprint(previous));
                warnIfExpiring(built);
                if (timer != null && (newInterval || watched.isEmpty())) {
                    timer.shutdownNow();
                    timer = null;
                }
                if (timer == null && !watched.isEmpty()) {
                    startTimer();
                }
            }
        };
    }

    private void startTimer() {
        long interval = settings.reloadInterval().toMillis();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvgate-tls-reload");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::checkQuietly, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * Builds the first context (failing as {@link ServerTls#create} does) and, when certificate files are
     * configured, starts checking them every {@code settings.reloadInterval()}.
     */
    public static ReloadingServerTls start(TlsSettings settings) {
        return start(settings, Clock.systemUTC());
    }

    static ReloadingServerTls start(TlsSettings settings, Clock clock) {
        ReloadingServerTls tls = new ReloadingServerTls(settings, clock);
        List<FileState> state = tls.snapshot();
        tls.current = ServerTls.create(settings);
        tls.loadedState = state;
        tls.warnIfExpiring(tls.current);
        if (!tls.watched.isEmpty()) {
            synchronized (tls) {
                tls.startTimer();
            }
        }
        return tls;
    }

    /** The context new connections get now. */
    @Override
    public SslContext get() {
        return current.context();
    }

    /** The server TLS now in service (its chain, provider, handshake timeout). */
    public ServerTls current() {
        return current;
    }

    /** Contexts built from changed files since start. */
    public long reloads() {
        return reloads.get();
    }

    /** Changes of the files that did not load and left the previous context in service. */
    public long failedReloads() {
        return failures.get();
    }

    /**
     * Checks the files now and rebuilds the context if they changed; what the timer runs.
     *
     * @return true when a new context was taken into service
     */
    public synchronized boolean checkNow() {
        List<FileState> state = snapshot();
        if (state.equals(loadedState) || state.equals(failedState)) {
            return false;
        }
        ServerTls next;
        try {
            next = ServerTls.create(settings);
        } catch (RuntimeException e) {
            failedState = state;
            failures.incrementAndGet();
            LOG.warn("TLS files changed ({}) but do not load: {}; still serving certificate {} (SHA-256 {})",
                    describeChanges(state), e.getMessage(), subject(current), fingerprint(current));
            return false;
        }
        String changes = describeChanges(state);
        ServerTls previous = current;
        current = next;
        loadedState = state;
        failedState = null;
        reloads.incrementAndGet();
        LOG.info("TLS files changed ({}): new connections get certificate {} (serial {}, SHA-256 {}) "
                        + "instead of {} (SHA-256 {}); established connections keep theirs",
                changes, subject(next), next.chain()[0].getSerialNumber().toString(16),
                fingerprint(next), subject(previous), fingerprint(previous));
        warnIfExpiring(next);
        return true;
    }

    private void checkQuietly() {
        try {
            checkNow();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: the reload would stop for good.
            LOG.warn("TLS reload check failed: {}", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void warnIfExpiring(ServerTls tls) {
        if (tls.selfSignedFingerprint().isEmpty()) {
            CertificateExpiry.warnIfExpiring(tls.chain()[0],
                    settings.certChain().map(Path::toString).orElse("?"), settings.expiryWarning(), clock);
        }
    }

    private String describeChanges(List<FileState> state) {
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < state.size(); i++) {
            if (loadedState == null || !state.get(i).equals(loadedState.get(i))) {
                changed.add(state.get(i).path().toString());
            }
        }
        return String.join(", ", changed);
    }

    private List<FileState> snapshot() {
        List<FileState> out = new ArrayList<>(watched.size());
        for (Path p : watched) {
            out.add(FileState.of(p));
        }
        return out;
    }

    private static String subject(ServerTls tls) {
        return tls.chain()[0].getSubjectX500Principal().getName();
    }

    private static String fingerprint(ServerTls tls) {
        X509Certificate leaf = tls.chain()[0];
        return Fingerprints.sha256(leaf);
    }

    /** What identifies one version of a file; a missing or unreadable file is a state of its own. */
    record FileState(Path path, long modified, long size, String sha256) {
        static FileState of(Path path) {
            try {
                long modified = Files.getLastModifiedTime(path).toMillis();
                byte[] content = Files.readAllBytes(path);
                return new FileState(path, modified, content.length,
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
            } catch (NoSuchFileException e) {
                return new FileState(path, -1, -1, "missing");
            } catch (IOException e) {
                return new FileState(path, -1, -1, "unreadable: " + e.getMessage());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 unavailable", e);
            }
        }

        // Content decides: a file rewritten with the same bytes (a touch, a copy) is no change.
        @Override
        public boolean equals(Object o) {
            return o instanceof FileState f && f.path.equals(path) && f.sha256.equals(sha256);
        }

        @Override
        public int hashCode() {
            return Objects.hash(path, sha256);
        }
    }
}
