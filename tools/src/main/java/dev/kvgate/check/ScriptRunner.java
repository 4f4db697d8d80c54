package dev.kvgate.check;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.mcbp.Opcode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a scripted {@link Case} on one connection and lists every difference between what the server
 * answered and what the script expects: none is a pass, an answer that says the server does not offer
 * the feature is unsupported.
 */
final class ScriptRunner {
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final long MAX_SLEEP_MILLIS = 5_000;

    private final McbpClient client;
    private final Script script;
    private final boolean strictTexts;
    private final Duration answerTimeout;
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private long deadline;

    private ScriptRunner(McbpClient client, Script script, boolean strictTexts, Duration answerTimeout) {
        this.client = client;
        this.script = script;
        this.strictTexts = strictTexts;
        this.answerTimeout = answerTimeout;
    }

    static Outcome run(List<Step> steps, CaseContext ctx) throws IOException, InterruptedException {
        ScriptRunner runner = new ScriptRunner(ctx.connect(), new Script(ctx.keyPrefix()), ctx.strictTexts(),
                ctx.answerTimeout());
        int n = 0;
        try {
            for (Step step : steps) {
                runner.step(++n, step);
            }
        } catch (Unsupported u) {
            if (runner.problems.isEmpty()) {
                return Outcome.unsupported(u.getMessage());
            }
        }
        return Outcome.of(runner.problems, String.join("; ", runner.notes));
    }

    private void step(int n, Step step) throws IOException, InterruptedException {
        try {
            run(n, step);
        } catch (Script.MissingCas e) {
            problems.add("step " + n + ": not run: " + e.getMessage());
        }
    }

    private void run(int n, Step step) throws IOException, InterruptedException {
        if (step instanceof Step.Send send) {
            send(n, send);
        } else if (step instanceof Step.Sleep sleep) {
            Thread.sleep(Math.min(sleep.millis(), MAX_SLEEP_MILLIS));
        } else if (step instanceof Step.ConnectionClosed) {
            if (!client.awaitClosed(CLOSE_TIMEOUT)) {
                problems.add("step " + n + ": connection still open " + CLOSE_TIMEOUT.toSeconds() + " s later");
            }
        } else if (step instanceof Step.UsableOrClosed) {
            usableOrClosed(n);
        } else if (step instanceof Step.ServerClock) {
            serverClock(n);
        } else if (step instanceof Step.Snapshot snapshot) {
            script.snapshot(snapshot.name(), client.stats());
        } else if (step instanceof Step.Deltas deltas) {
            deltas(n, deltas);
        } else {
            throw new IllegalArgumentException("unknown step " + step);
        }
    }

    private void send(int n, Step.Send send) throws IOException {
        List<Step.Exchange> exchanges = send.exchanges();
        // One deadline for all answers of the step: a server that stops answering fails the case fast.
        deadline = System.nanoTime() + answerTimeout.toNanos();
        if (send.pipelined()) {
            List<Request> requests = new ArrayList<>();
            for (Step.Exchange x : exchanges) {
                requests.add(x.req().toRequest(script));
            }
            List<CompletableFuture<Response>> answers = client.sendAll(requests);
            for (int i = 0; i < exchanges.size(); i++) {
                settle(n + "." + (i + 1), exchanges.get(i), answers.get(i));
            }
        } else {
            for (int i = 0; i < exchanges.size(); i++) {
                Step.Exchange x = exchanges.get(i);
                String where = exchanges.size() == 1 ? Integer.toString(n) : n + "." + (i + 1);
                CompletableFuture<Response> answer = client.send(x.req().toRequest(script));
                if (quiet(x) && x.expect().kind() != Expect.Kind.CLOSED) {
                    // A lone quiet request is settled by the next answer: follow it with a NOOP.
                    Response noop = McbpClient.await(client.send(Request.noop()), remaining());
                    if (noop == null || noop.status() != 0) {
                        problems.add("step " + where + ": the NOOP after " + x.req() + " got " + noop);
                    }
                }
                settle(where, x, answer);
            }
        }
    }

    private Duration remaining() {
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }

    private static boolean quiet(Step.Exchange x) {
        Opcode op = Opcode.of(x.req().opcode());
        return op != null && op.quiet();
    }

    private void settle(String where, Step.Exchange x, CompletableFuture<Response> answer) {
        Response r;
        try {
            r = McbpClient.await(answer, remaining());
        } catch (IOException e) {
            if (e.getCause() instanceof java.util.concurrent.TimeoutException) {
                // A quiet request is settled by a later answer: silence after it is the server's, not its.
                problems.add("step " + where + " " + x.req() + ": the server stopped answering (nothing for it or"
                        + " after it within " + answerTimeout.toMillis() + " ms), expected " + x.expect());
            } else if (x.expect().kind() != Expect.Kind.CLOSED) {
                problems.add("step " + where + " " + x.req() + ": " + e.getMessage() + ", expected " + x.expect());
            }
            return;
        }
        if (x.expect().kind() != Expect.Kind.ANSWER) {
            if (r != null || x.expect().kind() == Expect.Kind.CLOSED) {
                problems.add("step " + where + " " + x.req() + ": got " + describe(r) + ", expected " + x.expect());
            }
            return;
        }
        if (r == null) {
            problems.add("step " + where + " " + x.req() + ": no answer, expected " + x.expect());
            return;
        }
        List<String> found = new ArrayList<>();
        try {
            x.expect().check(x.req(), r, script, strictTexts, found);
        } catch (Script.MissingCas e) {
            found.add(e.getMessage());
        }
        for (String f : found) {
            problems.add("step " + where + " " + x.req() + ": " + f);
        }
    }

    private void usableOrClosed(int n) throws InterruptedException {
        try {
            Response noop = McbpClient.await(client.send(Request.noop()), CLOSE_TIMEOUT);
            if (noop == null || noop.status() != 0) {
                problems.add("step " + n + ": NOOP after the error got " + describe(noop)
                        + ", expected status 0x0000 or a closed connection");
            } else {
                notes.add("kept the connection open after the error");
            }
        } catch (IOException e) {
            if (client.awaitClosed(CLOSE_TIMEOUT)) {
                notes.add("closed the connection after the error (as memcached does)");
            } else {
                problems.add("step " + n + ": NOOP after the error: " + e.getMessage()
                        + ", expected an answer or a closed connection");
            }
        }
    }

    private void serverClock(int n) throws IOException {
        String time = client.stats().get("time");
        if (time == null) {
            throw new Unsupported("the server reports no STAT time, so absolute expirations cannot be placed"
                    + " on its clock");
        }
        try {
            script.serverClock(Long.parseLong(time.trim()));
        } catch (NumberFormatException e) {
            problems.add("step " + n + ": STAT time is \"" + time + "\", expected Unix seconds");
        }
    }

    private void deltas(int n, Step.Deltas deltas) throws IOException {
        Map<String, String> before = script.snapshot(deltas.snapshot());
        Map<String, String> after = client.stats();
        for (Map.Entry<String, Long> d : deltas.deltas().entrySet()) {
            String stat = d.getKey();
            if (!before.containsKey(stat) || !after.containsKey(stat)) {
                problems.add("step " + n + ": stat " + stat + " missing (before: " + before.get(stat)
                        + ", after: " + after.get(stat) + ")");
                continue;
            }
            long delta = Long.parseLong(after.get(stat)) - Long.parseLong(before.get(stat));
            if (delta != d.getValue()) {
                problems.add("step " + n + ": stat " + stat + " moved by " + delta + " (" + before.get(stat) + " -> "
                        + after.get(stat) + "), expected " + d.getValue());
            }
        }
    }

    static String describe(Response r) {
        if (r == null) {
            return "no answer";
        }
        return r + " value=" + Expect.show(r.value());
    }
}
