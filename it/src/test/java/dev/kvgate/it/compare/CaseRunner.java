package dev.kvgate.it.compare;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.protocol.Opcode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one {@link Case} on one connection and lists every difference between what the target
 * answered and what the table expects; an empty list means the target behaved as specified.
 */
final class CaseRunner {
    /** For all answers of one step together, so a target that stops answering fails fast. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final long MAX_SLEEP_MILLIS = 5_000;

    private final McbpClient client;
    private final Script script;
    private final List<String> problems = new ArrayList<>();
    private long deadline;

    private CaseRunner(McbpClient client, Script script) {
        this.client = client;
        this.script = script;
    }

    static List<String> run(Case c, McbpClient client, String keyPrefix) throws IOException, InterruptedException {
        CaseRunner runner = new CaseRunner(client, new Script(keyPrefix));
        int n = 0;
        for (Step step : c.steps()) {
            runner.step(++n, step);
        }
        return runner.problems;
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
        deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
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
            if (x.expect().kind() != Expect.Kind.CLOSED) {
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
            x.expect().check(x.req(), r, script, found);
        } catch (Script.MissingCas e) {
            found.add(e.getMessage());
        }
        for (String f : found) {
            problems.add("step " + where + " " + x.req() + ": " + f);
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

    private static String describe(Response r) {
        if (r == null) {
            return "no answer";
        }
        return r + " value=" + Expect.show(r.value());
    }
}
