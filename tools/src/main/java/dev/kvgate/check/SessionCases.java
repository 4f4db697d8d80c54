package dev.kvgate.check;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.mcbp.Magic;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Cases about the connection rather than the items: HELLO negotiation, SASL, STAT's shape. */
final class SessionCases {
    /**
     * Features asked for, harmless on a connection of its own (kv_engine's numbering). What XERROR
     * changes is not checked: servers differ in which errors get a JSON body.
     */
    private static final Map<Integer, String> ASKED = new LinkedHashMap<>();

    static {
        ASKED.put(0x03, "TCPNODELAY");
        ASKED.put(0x07, "XERROR");
        ASKED.put(0x0f, "Tracing");
    }

    private SessionCases() {
    }

    static final List<Case> CASES = List.of(
            Case.code("hello", "HELLO grants a subset of the features asked, and the connection honours them",
                    SessionCases::hello),
            Case.code("sasl", "SASL_LIST_MECHS lists the mechanisms", SessionCases::saslMechanisms),
            Case.code("stat", "STAT answers one frame per counter, ended by a frame with an empty key",
                    SessionCases::statShape),
            Case.code("stat", "STAT of a group the server does not have is 0x01 and the connection stays usable",
                    SessionCases::statUnknownGroup));

    private static Outcome hello(CaseContext ctx) throws IOException {
        McbpClient c = ctx.connect();
        ByteBuffer features = ByteBuffer.allocate(2 * ASKED.size());
        ASKED.keySet().forEach(f -> features.putShort((short) (int) f));
        Request hello = Request.of(Opcode.HELLO, new byte[0], "kvgate-check".getBytes(StandardCharsets.US_ASCII),
                features.array(), 0);
        // memcached answers an unknown command that has a body only when the next request arrives.
        List<CompletableFuture<Response>> a = c.sendAll(List.of(hello, Request.noop()));
        Response r = McbpClient.await(a.get(0), ctx.answerTimeout());
        if (r.status() == (Status.UNKNOWN_COMMAND.code() & 0xffff)) {
            throw new Unsupported("the server does not know HELLO (memcached 1.6 does not): 0x0081");
        }
        List<String> problems = new ArrayList<>();
        if (r.status() != 0) {
            return Outcome.fail(String.format("HELLO answered 0x%04x, expected 0x0000", r.status()));
        }
        McbpClient.await(a.get(1), ctx.answerTimeout());
        if (r.value().length % 2 != 0) {
            return Outcome.fail("HELLO answered " + r.value().length + " bytes of features, expected 2 per feature");
        }
        ByteBuffer granted = ByteBuffer.wrap(r.value());
        Set<Integer> got = new HashSet<>();
        List<String> names = new ArrayList<>();
        while (granted.hasRemaining()) {
            int f = granted.getShort() & 0xffff;
            if (!ASKED.containsKey(f)) {
                problems.add(String.format("HELLO granted 0x%04x, which was not asked for", f));
            } else if (!got.add(f)) {
                problems.add(String.format("HELLO granted 0x%04x twice", f));
            } else {
                names.add(ASKED.get(f));
            }
        }
        Response miss = McbpClient.await(c.send(Request.get(ctx.key("missing"))), ctx.answerTimeout());
        if (miss.status() != (Status.KEY_NOT_FOUND.code() & 0xffff)) {
            problems.add(String.format("GET of a missing key after HELLO answered 0x%04x, expected 0x0001",
                    miss.status()));
        }
        if (got.contains(0x0f) && (miss.magic() != Magic.ALT_RESPONSE.code() || miss.framingExtras().length == 0)) {
            problems.add(String.format("Tracing granted, but an answer has magic 0x%02x and %d bytes of framing"
                    + " extras, expected 0x18 with the server duration", miss.magic() & 0xff,
                    miss.framingExtras().length));
        }
        if (!got.contains(0x0f) && miss.magic() != Magic.RESPONSE.code()) {
            problems.add(String.format("Tracing not granted, but an answer has magic 0x%02x", miss.magic() & 0xff));
        }
        return Outcome.of(problems, "granted " + (names.isEmpty() ? "none" : String.join(", ", names)));
    }

    private static Outcome saslMechanisms(CaseContext ctx) throws IOException {
        McbpClient c = ctx.connect();
        Response r = McbpClient.await(c.send(Request.of(Opcode.SASL_LIST_MECHS)), ctx.answerTimeout());
        if (r.status() == (Status.UNKNOWN_COMMAND.code() & 0xffff)
                || r.status() == (Status.NOT_SUPPORTED.code() & 0xffff)) {
            throw new Unsupported(String.format("the server has SASL off (memcached without -S, kvgate with"
                    + " auth.mode none): 0x%04x", r.status()));
        }
        if (r.status() != 0) {
            return Outcome.fail(String.format("SASL_LIST_MECHS answered 0x%04x, expected 0x0000", r.status()));
        }
        if (r.value().length == 0) {
            return Outcome.fail("SASL_LIST_MECHS answered an empty list");
        }
        return Outcome.pass("mechanisms: " + r.valueString());
    }

    private static Outcome statShape(CaseContext ctx) throws IOException {
        McbpClient c = ctx.connect();
        List<Response> frames = McbpClient.await(c.sendMulti(Request.of(Opcode.STAT)), ctx.answerTimeout());
        List<String> problems = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < frames.size(); i++) {
            Response f = frames.get(i);
            boolean last = i == frames.size() - 1;
            if (f.status() != 0) {
                problems.add(String.format("frame %d: status 0x%04x, expected 0x0000", i + 1, f.status()));
            } else if (last && (f.key().length != 0 || f.value().length != 0)) {
                problems.add("the last frame has key " + Expect.show(f.key()) + ", expected an empty frame");
            } else if (!last && !names.add(f.keyString())) {
                problems.add("counter " + f.keyString() + " is answered twice");
            }
        }
        if (frames.size() < 2) {
            problems.add("STAT answered no counters");
        }
        return Outcome.of(problems, "");
    }

    private static Outcome statUnknownGroup(CaseContext ctx) throws IOException {
        McbpClient c = ctx.connect();
        byte[] group = ctx.keyBytes("no-such-group");
        List<CompletableFuture<Response>> a = c.sendAll(List.of(
                Request.of(Opcode.STAT, new byte[0], group, new byte[0], 0), Request.noop()));
        List<String> problems = new ArrayList<>();
        Response r = McbpClient.await(a.get(0), ctx.answerTimeout());
        if (r.status() != (Status.KEY_NOT_FOUND.code() & 0xffff)) {
            problems.add(String.format("STAT of an unknown group answered 0x%04x, expected 0x0001", r.status()));
        }
        Response noop = McbpClient.await(a.get(1), ctx.answerTimeout());
        if (noop.status() != 0) {
            problems.add(String.format("the NOOP after it answered 0x%04x", noop.status()));
        }
        return Outcome.of(problems, "");
    }
}
