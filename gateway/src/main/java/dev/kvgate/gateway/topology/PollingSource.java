package dev.kvgate.gateway.topology;

import dev.kvgate.config.ShardSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A source asked every {@code interval}: one round at a time, the next one {@code interval} after
 * the last ended. A round's answer is checked (not empty) and compared with the last good one; only
 * a different list goes to the listener. A round that fails leaves the last good list as it was.
 */
abstract class PollingSource implements TopologySource {
    private static final Logger log = LoggerFactory.getLogger(PollingSource.class);

    /** A round that did not give a list; its message says why, for the log. */
    static final class Failure extends Exception {
        Failure(String reason) {
            super(reason, null, false, false);
        }
    }

    private final String description;
    private final Duration interval;
    private final SourceHealth health;
    private final ScheduledExecutorService timer;
    private volatile boolean closed;
    private Consumer<List<ShardSettings>> listener;
    private List<ShardSettings> last = List.of();

    PollingSource(String description, Duration interval, String threadName) {
        this.description = description;
        this.interval = interval;
        this.health = new SourceHealth(description);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** One round: the shards the source lists now (any order, duplicates allowed), or a {@link Failure}. */
    abstract CompletableFuture<List<ShardSettings>> poll();

    /** The list in a form that does not change when the source only reorders it (DNS: sorted). */
    List<ShardSettings> normalize(List<ShardSettings> shards) {
        return shards;
    }

    @Override
    public void start(Consumer<List<ShardSettings>> listener) {
        this.listener = listener;
        timer.execute(this::round);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public String failure() {
        return health.failure();
    }

    private void round() {
        if (closed) {
            return;
        }
        CompletableFuture<List<ShardSettings>> answer;
        try {
            answer = poll();
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((shards, failure) -> {
            try {
                timer.execute(() -> {
                    try {
                        settle(shards, failure);
                    } finally {
                        if (!closed) {
                            timer.schedule(this::round, interval.toMillis(), TimeUnit.MILLISECONDS);
                        }
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // closed meanwhile
            }
        });
    }

    private void settle(List<ShardSettings> shards, Throwable failure) {
        if (closed) {
            return;
        }
        if (failure != null) {
            health.failed(reason(failure), last.size());
            return;
        }
        List<ShardSettings> normalized = List.copyOf(new java.util.LinkedHashSet<>(normalize(shards)));
        if (normalized.isEmpty()) {
            health.failed("answered no shards (an empty topology is never applied)", last.size());
            return;
        }
        health.ok(normalized.size());
        if (normalized.equals(last)) {
            return;
        }
        last = normalized;
        try {
            listener.accept(normalized);
        } catch (RuntimeException e) {
            log.warn("topology source {}: the new topology could not be handed over: {}", describe(), e.toString());
        }
    }

    private static String reason(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof Failure f) {
            return f.getMessage();
        }
        return c.getMessage() != null ? c.getClass().getSimpleName() + ": " + c.getMessage() : c.toString();
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
