package dev.kvgate.check;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.mcbp.Opcode;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The cases about how requests and answers travel rather than what they mean: a frame cut into
 * pieces (over TLS, each piece its own record), a client that vanishes mid-frame, connections
 * interleaving, and a client that stops reading while large answers queue up in the server.
 */
final class StressCases {
    /** Between the pieces of a split request: long enough for the server to read them apart. */
    private static final Duration PIECE_GAP = Duration.ofMillis(1);
    private static final int MAX_PROBLEMS = 5;
    static final int CONNECTIONS = 8;
    static final int ROUNDS = 25;
    static final int STALLED_VALUE = 512 * 1024;
    static final int STALLED_GETS = 32;

    private StressCases() {
    }

    static final List<Case> CASES = List.of(
            Case.code("framing", "a SET and a GET split in two at every byte boundary are answered as if sent whole",
                    StressCases::splitAtEveryByte),
            Case.code("framing", "a SET and a GET sent one byte at a time are answered as if sent whole",
                    StressCases::byteByByte),
            Case.code("framing", "a client that resets the connection in the middle of a request leaves the server"
                    + " serving", StressCases::resetMidFrame),
            Case.code("concurrency", CONNECTIONS + " connections interleaving pipelines each get their own answers,"
                    + " and a shared counter counts every INCREMENT once", StressCases::interleaved),
            Case.code("backpressure", "a client that stops reading while " + (STALLED_VALUE / 1024 * STALLED_GETS / 1024)
                    + " MiB of answers queue up gets them all, whole and in order; others are served meanwhile",
                    StressCases::stalledReader));

    private static Outcome splitAtEveryByte(CaseContext ctx) throws IOException {
        Duration t = ctx.answerTimeout();
        McbpClient c = ctx.connect();
        List<String> problems = new ArrayList<>();
        String key = ctx.key("split");
        int setLength = set(key, 0).frameLength();
        int getLength = Request.get(key).frameLength();
        for (int cut = 1; cut < Math.max(setLength, getLength) && problems.size() < MAX_PROBLEMS && c.isOpen(); cut++) {
            if (cut < setLength) {
                expect(problems, t, "SET cut after byte " + cut + " of " + setLength,
                        c.sendInPieces(set(key, cut), new int[] {cut}, PIECE_GAP), 0, null);
            }
            if (cut < getLength) {
                int stored = Math.min(cut, setLength - 1);
                expect(problems, t, "GET cut after byte " + cut + " of " + getLength,
                        c.sendInPieces(Request.get(key), new int[] {cut}, PIECE_GAP), 0, value(stored));
            }
        }
        return Outcome.of(problems, "");
    }

    private static Outcome byteByByte(CaseContext ctx) throws IOException {
        Duration t = ctx.answerTimeout();
        McbpClient c = ctx.connect();
        List<String> problems = new ArrayList<>();
        String key = ctx.key("dribble");
        byte[] v = new byte[100];
        Arrays.fill(v, (byte) 'd');
        Request set = Request.store(Opcode.SET, key, v, 0x0d, 0, 0);
        expect(problems, t, "SET of " + set.frameLength() + " bytes sent one at a time",
                c.sendInPieces(set, everyByte(set.frameLength()), Duration.ZERO), 0, null);
        Request get = Request.get(key);
        expect(problems, t, "GET of " + get.frameLength() + " bytes sent one at a time",
                c.sendInPieces(get, everyByte(get.frameLength()), Duration.ZERO), 0, v);
        return Outcome.of(problems, "");
    }

    private static Outcome resetMidFrame(CaseContext ctx) throws IOException {
        Duration t = ctx.answerTimeout();
        McbpClient gone = ctx.connect();
        Request set = Request.store(Opcode.SET, ctx.key("reset"), new byte[1000], 0, 0, 0);
        byte[] frame = new byte[set.frameLength() / 2];
        // Only the header matters: it promises a body that never comes.
        java.nio.ByteBuffer.wrap(frame).put((byte) 0x80).put(Opcode.SET.code()).putShort((short) set.key().length)
                .put((byte) 8).put((byte) 0).putShort((short) 0).putInt(set.frameLength() - 24);
        gone.sendRaw(Unpooled.wrappedBuffer(frame));
        gone.abort();
        List<String> problems = new ArrayList<>();
        McbpClient next = ctx.connect();
        expect(problems, t, "SET on a new connection", next.send(set(ctx.key("after"), 1)), 0, null);
        expect(problems, t, "GET on a new connection", next.send(Request.get(ctx.key("after"))), 0, value(1));
        return Outcome.of(problems, "");
    }

    private static Outcome interleaved(CaseContext ctx) throws IOException {
        Duration t = ctx.answerTimeout();
        List<String> problems = new ArrayList<>();
        McbpClient[] clients = new McbpClient[CONNECTIONS];
        for (int i = 0; i < CONNECTIONS; i++) {
            clients[i] = ctx.connect();
        }
        String shared = ctx.key("shared");
        expect(problems, t, "SET of the shared counter", clients[0].send(Request.set(shared, "0")), 0, null);
        Set<Long> counts = new HashSet<>();
        for (int round = 0; round < ROUNDS && problems.size() < MAX_PROBLEMS; round++) {
            List<List<CompletableFuture<Response>>> sent = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                String key = ctx.key("c" + i + "-r" + round);
                sent.add(clients[i].sendAll(List.of(
                        Request.store(Opcode.SET, key, bytes("conn" + i + "-round" + round), i, 0, 0),
                        Request.counter(Opcode.INCREMENT, shared, 1, 0, 0),
                        Request.keyed(Opcode.GETK, key),
                        Request.of(Opcode.APPEND, new byte[0], bytes(key), bytes("+"), 0),
                        Request.get(key))));
            }
            for (int i = 0; i < CONNECTIONS; i++) {
                String key = ctx.key("c" + i + "-r" + round);
                String v = "conn" + i + "-round" + round;
                List<CompletableFuture<Response>> a = sent.get(i);
                String where = "connection " + i + ", round " + round + ": ";
                expect(problems, t, where + "SET " + key, a.get(0), 0, null);
                Response inc = expect(problems, t, where + "INCREMENT of the shared counter", a.get(1), 0, null);
                if (inc != null && inc.value().length == 8 && !counts.add(inc.counterValue())) {
                    problems.add(where + "INCREMENT answered " + inc.counterValue() + ", a count another INCREMENT"
                            + " already got");
                }
                Response getk = expect(problems, t, where + "GETK " + key, a.get(2), 0, bytes(v));
                if (getk != null && !getk.keyString().equals(key)) {
                    problems.add(where + "GETK " + key + " answered with key " + getk.keyString());
                }
                expect(problems, t, where + "APPEND " + key, a.get(3), 0, null);
                expect(problems, t, where + "GET " + key, a.get(4), 0, bytes(v + "+"));
            }
        }
        if (problems.isEmpty()) {
            String total = Integer.toString(CONNECTIONS * ROUNDS);
            Response r = expect(problems, t, "GET of the shared counter", clients[0].send(Request.get(shared)), 0, null);
            if (r != null && !r.valueString().trim().equals(total)) {
                problems.add("the shared counter is \"" + r.valueString() + "\", expected " + total);
            }
        }
        return Outcome.of(problems, "");
    }

    private static Outcome stalledReader(CaseContext ctx) throws IOException, InterruptedException {
        Duration t = ctx.answerTimeout();
        List<String> problems = new ArrayList<>();
        McbpClient stalled = ctx.connect();
        McbpClient other = ctx.connect();
        String key = ctx.key("big");
        byte[] big = pattern(STALLED_VALUE);
        expect(problems, t, "SET of " + STALLED_VALUE + " bytes", stalled.send(Request.set(key, big)), 0, null);
        if (!problems.isEmpty()) {
            return Outcome.fail(problems);
        }
        stalled.pauseReading();
        List<Request> gets = new ArrayList<>();
        for (int i = 0; i < STALLED_GETS; i++) {
            gets.add(Request.get(key));
        }
        List<CompletableFuture<Response>> answers = stalled.sendAll(gets);
        // Far more than the socket buffers hold: the server is left with answers it cannot write.
        Thread.sleep(500);
        expect(problems, t, "SET on another connection while the first one is not read",
                other.send(Request.set(ctx.key("other"), "v")), 0, null);
        expect(problems, t, "GET on another connection while the first one is not read",
                other.send(Request.get(ctx.key("other"))), 0, bytes("v"));
        stalled.resumeReading();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (int i = 0; i < answers.size() && problems.size() < MAX_PROBLEMS; i++) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            expect(problems, left, "GET " + (i + 1) + " of " + answers.size() + " (read after the stall)",
                    answers.get(i), 0, big);
        }
        expect(problems, t, "NOOP after the stalled answers", stalled.send(Request.noop()), 0, null);
        return Outcome.of(problems, "");
    }

    // ---- helpers ----

    private static Request set(String key, int n) {
        return Request.store(Opcode.SET, key, value(n), 0x5eed, 0, 0);
    }

    /** A value of fixed length that says which SET stored it. */
    private static byte[] value(int n) {
        return bytes(String.format("split-%04d", n));
    }

    private static int[] everyByte(int length) {
        int[] cuts = new int[length - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        return cuts;
    }

    private static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 131 + (i >>> 10));
        }
        return b;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Waits for {@code answer} and adds a line to {@code problems} when it is missing or its status or
     * value (when {@code value} is not null) differ; the answer, or null.
     */
    static Response expect(List<String> problems, Duration timeout, String what, CompletableFuture<Response> answer,
                           int status, byte[] value) {
        Response r;
        try {
            r = McbpClient.await(answer, timeout);
        } catch (IOException e) {
            problems.add(what + ": " + e.getMessage() + String.format(", expected status 0x%04x", status));
            return null;
        }
        if (r == null) {
            problems.add(what + String.format(": no answer, expected status 0x%04x", status));
        } else if (r.status() != status) {
            problems.add(what + String.format(": status 0x%04x, expected 0x%04x", r.status(), status));
        } else if (value != null && !Arrays.equals(r.value(), value)) {
            problems.add(what + ": value " + Expect.show(r.value()) + differsAt(r.value(), value) + ", expected "
                    + Expect.show(value));
        }
        return r;
    }

    private static String differsAt(byte[] got, byte[] want) {
        int i = Arrays.mismatch(got, want);
        return i < 0 ? "" : " (differs from byte " + i + ")";
    }
}
