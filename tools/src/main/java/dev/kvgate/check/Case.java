package dev.kvgate.check;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One case of the suite: a group ({@code get}, {@code pipeline}, {@code tls} ...), a name that says
 * what a conforming server does, whether it runs over TLS only, and its body: a short script of
 * requests and the answers they must get, or code for what a script cannot say (a request written in
 * pieces, concurrent connections, a TLS handshake).
 */
public final class Case {
    /** The body of a case: runs once per transport, on connections it opens from {@code ctx}. */
    @FunctionalInterface
    interface Body {
        Outcome run(CaseContext ctx) throws Exception;
    }

    private final String group;
    private final String name;
    private final boolean tlsOnly;
    private final Body body;

    private Case(String group, String name, boolean tlsOnly, Body body) {
        this.group = group;
        this.name = name;
        this.tlsOnly = tlsOnly;
        this.body = body;
    }

    /** A case written as a script: one connection, the steps in order. */
    static Case of(String group, String name, Step... steps) {
        List<Step> script = List.of(steps);
        return new Case(group, name, false, ctx -> ScriptRunner.run(script, ctx));
    }

    /** A case written as code, run over every transport. */
    static Case code(String group, String name, Body body) {
        return new Case(group, name, false, body);
    }

    /** A case about TLS itself: run over TLS only. */
    static Case tls(String name, Body body) {
        return new Case("tls", name, true, body);
    }

    public String group() {
        return group;
    }

    public String name() {
        return name;
    }

    /** "group: name", what the table shows and {@code --only}/{@code --skip} match. */
    public String title() {
        return group + ": " + name;
    }

    public boolean runsOver(Transport t) {
        return !tlsOnly || t == Transport.TLS;
    }

    Body body() {
        return body;
    }

    @Override
    public String toString() {
        return title();
    }

    // ---- the scripts' vocabulary ----

    static Step.Exchange x(Req req, Expect expect) {
        return new Step.Exchange(req, expect);
    }

    /** One request, then its answer. */
    static Step send(Req req, Expect expect) {
        return new Step.Send(List.of(x(req, expect)), false);
    }

    /** Requests one at a time, each after the previous answer. */
    static Step each(Step.Exchange... exchanges) {
        return new Step.Send(List.of(exchanges), false);
    }

    /** Requests written back to back with one flush, answers read afterwards. */
    static Step pipeline(Step.Exchange... exchanges) {
        return new Step.Send(List.of(exchanges), true);
    }

    static Step sleep(long millis) {
        return new Step.Sleep(millis);
    }

    static Step connectionClosed() {
        return new Step.ConnectionClosed();
    }

    /**
     * After an error answer to a request the server found malformed: the connection either still
     * answers a NOOP or is closed (memcached closes it: documented, not a failure). The note says which.
     */
    static Step usableOrClosed() {
        return new Step.UsableOrClosed();
    }

    /** Reads the server's clock (STAT time), for expirations given as absolute times. */
    static Step serverClock() {
        return new Step.ServerClock();
    }

    static Step snapshot(String name) {
        return new Step.Snapshot(name);
    }

    /** Pairs of stat name and delta: {@code deltas("s", "cmd_get", 3, "get_hits", 1)}. */
    static Step deltas(String snapshot, Object... pairs) {
        Map<String, Long> d = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            d.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
        }
        return new Step.Deltas(snapshot, d);
    }
}
