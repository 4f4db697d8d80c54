package dev.kvgate.gateway.server;

import dev.kvgate.config.Settings;
import dev.kvgate.config.SettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration on SIGHUP ({@link #requestReload}) and when the content of the file given
 * with -c changes: checked every {@code kvgate.reload.watch-interval} by a hash of its bytes, so a
 * touch is no change, and a Kubernetes ConfigMap (a symbolic link swapped to a new directory) is seen
 * like any rewrite. Reloads run one at a time on a thread of their own. An invalid file is refused
 * with the error the start would give and leaves the running configuration as it is; the file is
 * not read again until it changes (or SIGHUP).
 */
public final class Reloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    private final Optional<Path> file;
    private final KvgateServer server;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kvgate-reload");
        t.setDaemon(true);
        return t;
    });
    // On the reload thread only.
    private String seen;
    private Duration interval = Duration.ZERO;
    private ScheduledFuture<?> watch;

    public Reloader(Optional<Path> file, KvgateServer server) {
        this.file = file;
        this.server = server;
        thread.execute(() -> {
            seen = fingerprint();
            rewatch();
        });
    }

    /** Reloads soon, on the reload thread (from a signal handler, say). */
    public void requestReload(String trigger) {
        thread.execute(() -> {
            seen = fingerprint();
            reloadNow(trigger);
        });
    }

    /**
     * Reads the configuration again and applies it; logs why when it is refused.
     *
     * @return the settings that changed; empty when nothing did, or the file was refused
     */
    public List<String> reloadNow(String trigger) {
        List<String> changed;
        try {
            changed = server.reload(Settings.loadWithConfig(file), trigger);
        } catch (SettingsException e) {
            log.error("reload ({}) refused: invalid configuration: {}; the running configuration stays", trigger,
                    e.getMessage());
            return List.of();
        } catch (RuntimeException e) {
            log.error("reload ({}) failed: {}; the running configuration stays", trigger, e.toString(), e);
            return List.of();
        }
        thread.execute(this::rewatch);
        return changed;
    }

    private void rewatch() {
        Duration next = server.settings().reload().watchInterval();
        if (file.isEmpty() || next.equals(interval) && watch != null) {
            return;
        }
        if (watch != null) {
            watch.cancel(false);
            watch = null;
        }
        interval = next;
        if (!next.isZero()) {
            watch = thread.scheduleWithFixedDelay(this::check, next.toMillis(), next.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void check() {
        try {
            String now = fingerprint();
            if (!now.equals(seen)) {
                seen = now;
                reloadNow("file changed");
            }
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: the watch would stop for good.
            log.warn("configuration file check failed: {}", e.toString());
        }
    }

    /** SHA-256 of the file's bytes, or why it cannot be read (itself a state: a change from it reloads). */
    private String fingerprint() {
        if (file.isEmpty()) {
            return "";
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file.get())));
        } catch (NoSuchFileException e) {
            return "missing";
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
