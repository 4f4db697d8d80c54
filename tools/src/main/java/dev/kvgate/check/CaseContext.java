package dev.kvgate.check;

import dev.kvgate.client.McbpClient;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one run of a case has: its target, a key prefix no other run shares (so runs never see each
 * other's items, also across repeated runs against the same server), whether error texts must be
 * memcached's, how long to wait for answers, and the connections it opened, all closed when the run
 * ends.
 */
final class CaseContext implements AutoCloseable {
    private final Target target;
    private final String keyPrefix;
    private final boolean strictTexts;
    private final Duration answerTimeout;
    private final List<McbpClient> opened = new ArrayList<>();
    private volatile boolean closed;

    CaseContext(Target target, String keyPrefix, boolean strictTexts, Duration answerTimeout) {
        this.target = target;
        this.keyPrefix = keyPrefix;
        this.strictTexts = strictTexts;
        this.answerTimeout = answerTimeout;
    }

    Target target() {
        return target;
    }

    String keyPrefix() {
        return keyPrefix;
    }

    boolean strictTexts() {
        return strictTexts;
    }

    /** How long a case waits for an answer (for all answers of one step together) before calling it missing. */
    Duration answerTimeout() {
        return answerTimeout;
    }

    /** The wire key for the case's logical key {@code name}. */
    String key(String name) {
        return keyPrefix + name;
    }

    byte[] keyBytes(String name) {
        return key(name).getBytes(StandardCharsets.US_ASCII);
    }

    McbpClient connect() throws IOException {
        return track(target.connect());
    }

    McbpClient connect(SslContext ssl) throws IOException {
        return track(target.connect(ssl));
    }

    private synchronized McbpClient track(McbpClient c) {
        if (closed) {
            c.close();
            throw new IllegalStateException("the case was stopped");
        }
        opened.add(c);
        return c;
    }

    /** Closes every connection the case opened: also how a case that overran its time is stopped. */
    @Override
    public void close() {
        List<McbpClient> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(opened);
        }
        all.forEach(McbpClient::close);
    }
}
