package dev.kvgate.check;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the selected cases one at a time, each over every target it applies to (plain first, then
 * TLS, before the next case), each in a worker thread with a deadline: a server that hangs fails the
 * case it hangs in, not the run.
 */
final class CheckRun {
    /**
     * With six answer timeouts on top, the most any case may take: far above what its own timeouts
     * allow, so only a case stuck outside them meets it.
     */
    static final Duration CASE_DEADLINE = Duration.ofSeconds(30);

    /** A case and its number in the suite. */
    record Numbered(int number, Case c) {
    }

    private CheckRun() {
    }

    static Results run(List<Numbered> cases, List<Target> targets, boolean strictTexts, Duration answerTimeout,
                       Progress progress) {
        Results results = new Results(targets);
        String runId = runId();
        int total = 0;
        for (Numbered n : cases) {
            for (Target t : targets) {
                total += n.c().runsOver(t.transport()) ? 1 : 0;
            }
        }
        progress.start(total);
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kvgate-check");
            t.setDaemon(true);
            return t;
        });
        try {
            for (Numbered n : cases) {
                Results.Row row = results.add(n.number(), n.c());
                for (Target t : targets) {
                    if (!n.c().runsOver(t.transport())) {
                        continue;
                    }
                    progress.running(n.number(), n.c(), t.transport());
                    String prefix = "kc" + runId + "-" + n.number() + t.transport().label().charAt(0) + "-";
                    Outcome o = runOne(worker, n.c(), new CaseContext(t, prefix, strictTexts, answerTimeout));
                    row.outcomes().put(t.transport(), o);
                    progress.done(n.number(), n.c(), t.transport(), o);
                }
            }
        } finally {
            worker.shutdownNow();
            progress.finish();
            results.finish();
        }
        return results;
    }

    private static Outcome runOne(ExecutorService worker, Case c, CaseContext ctx) {
        long start = System.nanoTime();
        Duration deadline = CASE_DEADLINE.plus(ctx.answerTimeout().multipliedBy(6));
        Future<Outcome> f = worker.submit(() -> c.body().run(ctx));
        Outcome o;
        try {
            o = f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            ctx.close();
            f.cancel(true);
            o = Outcome.fail("no outcome within " + deadline.toSeconds() + " s");
        } catch (ExecutionException e) {
            o = e.getCause() instanceof Unsupported u ? Outcome.unsupported(u.getMessage())
                    : Outcome.fail(describe(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            o = Outcome.fail("interrupted");
        } finally {
            ctx.close();
        }
        return o.took((System.nanoTime() - start) / 1_000_000);
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    /** Four base-36 characters: keys of repeated runs against one server never meet. */
    private static String runId() {
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            b.append(Character.forDigit(r.nextInt(36), 36));
        }
        return b.toString();
    }
}
