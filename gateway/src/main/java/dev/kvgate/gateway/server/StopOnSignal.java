package dev.kvgate.gateway.server;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the gateway on SIGTERM or SIGINT with a graceful drain and lets {@link Main} exit 0: left to
 * the JVM, those signals run the shutdown hooks and exit 143 or 130, which service managers record
 * as a failure. A second signal during the drain exits at once with 128+signal, for an operator who
 * does not want to wait for {@code shutdown.drain-timeout}.
 *
 * <p>A shutdown hook stays installed as well: it drains on the ways out that are not trapped here
 * (a signal that could not be trapped), and does nothing after a drain already done. SIGHUP reloads
 * the configuration ({@link Reloader}, trapped by {@link Main}).
 */
final class StopOnSignal {
    private static final Logger log = LoggerFactory.getLogger(StopOnSignal.class);

    private final Runnable drain;
    private final IntConsumer halt;
    private final CountDownLatch requested = new CountDownLatch(1);
    private final AtomicInteger signals = new AtomicInteger();
    private final AtomicBoolean drained = new AtomicBoolean();

    /**
     * @param drain the graceful close (KvgateServer::close)
     * @param halt exits the process with a status without running hooks (Runtime::halt)
     */
    StopOnSignal(Runnable drain, IntConsumer halt) {
        this.drain = drain;
        this.halt = halt;
    }

    /** Traps SIGTERM and SIGINT where the runtime allows, and adds the fallback shutdown hook. */
    void install() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::drainOnce, "kvgate-shutdown"));
        List<String> untrapped;
        try {
            untrapped = Signals.trap(List.of("TERM", "INT"), this::signalled);
        } catch (LinkageError e) {
            untrapped = List.of("TERM", "INT");
        }
        if (!untrapped.isEmpty()) {
            log.info("cannot trap SIG{}: it drains through the shutdown hook and exits 128+signal",
                    String.join(", SIG", untrapped));
        }
    }

    /** A trapped signal: the first asks for the drain, a second one ends the process now. */
    void signalled(String name, int number) {
        if (signals.getAndIncrement() == 0) {
            log.info("{}: draining (a second signal exits at once)", name);
            requested.countDown();
        } else {
            log.warn("{} during the drain: exiting now, unanswered requests are lost", name);
            halt.accept(128 + number);
        }
    }

    /** Blocks until a trapped signal, then drains on the calling thread. */
    void awaitAndDrain() throws InterruptedException {
        requested.await();
        drainOnce();
    }

    void drainOnce() {
        if (drained.compareAndSet(false, true)) {
            drain.run();
        }
    }
}
