package dev.kvgate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.mcbp.Mcbp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BenchConnectionHandlerTest {
    private EmbeddedChannel channel;

    @AfterEach
    void release() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private RunState start(int pipeline, double getRatio, int keys) {
        channel = new EmbeddedChannel();
        RunState run = new RunState(pipeline, getRatio, keys, new byte[] {'v'}, 1, 1, List.of(channel.eventLoop()));
        channel.pipeline().addLast(new BenchConnectionHandler(run));
        return run;
    }

    private BenchConnectionHandler handler() {
        return channel.pipeline().get(BenchConnectionHandler.class);
    }

    /** The requests written since the last call, as (opcode, opaque, key) with the buffers released. */
    private List<int[]> written() {
        List<int[]> requests = new ArrayList<>();
        ByteBuf frame;
        while ((frame = channel.readOutbound()) != null) {
            try {
                String key = frame.toString(Mcbp.keyIndex(frame), Mcbp.keyLength(frame),
                        java.nio.charset.StandardCharsets.US_ASCII);
                assertTrue(key.startsWith("key:"), key);
                requests.add(new int[] {Mcbp.opcode(frame), Mcbp.opaque(frame), Integer.parseInt(key.substring(4))});
            } finally {
                frame.release();
            }
        }
        return requests;
    }

    private void respond(int opcode, int opaque, int status) {
        ByteBuf response = Unpooled.buffer(24);
        response.writeByte(0x81).writeByte(opcode).writeShort(0).writeByte(0).writeByte(0).writeShort(status)
                .writeInt(0).writeInt(opaque).writeLong(0);
        channel.writeInbound(response);
    }

    @Test
    void preloadSetsTheConnectionsShareOfKeysThenCountsDown() {
        RunState run = start(1, 1.0, 40);
        handler().startPreload(1, 2);
        List<int[]> first = written();
        assertEquals(16, first.size(), "preload depth");
        for (int i = 0; i < first.size(); i++) {
            assertEquals(0x01, first.get(i)[0]);
            assertEquals(1 + 2 * i, first.get(i)[2]);
        }
        int answered = 0;
        List<int[]> pending = new ArrayList<>(first);
        while (!pending.isEmpty()) {
            int[] r = pending.remove(0);
            respond(r[0], r[1], 0);
            answered++;
            pending.addAll(written());
        }
        assertEquals(20, answered, "keys 1, 3, ... 39");
        assertEquals(0, run.preloaded.getCount());
        assertEquals(20, run.allStats().iterator().next().preloaded());
    }

    @Test
    void countsMissesErrorsAndMismatchesAndKeepsThePipelineFull() {
        RunState run = start(2, 1.0, 10);
        handler().startPreload(0, 1);
        for (int[] r : drainPreload()) {
            assertEquals(0x01, r[0]);
        }
        run.phase(RunState.Phase.MEASURE);
        handler().startLoad();
        List<int[]> sent = written();
        assertEquals(2, sent.size(), "pipeline sent in one flush");
        assertEquals(0x00, sent.get(0)[0], "get ratio 1.0: GETs only");

        respond(0x00, sent.get(0)[1], 0x0001); // a GET miss
        sent.addAll(written());
        respond(0x00, sent.get(1)[1] + 100, 0); // wrong opaque
        sent.addAll(written());
        respond(0x00, sent.get(2)[1], 0x0086); // temporary failure
        sent.addAll(written());
        assertEquals(5, sent.size(), "one new request per response");
        assertEquals(2, handler().outstanding());

        LoopStats stats = run.allStats().iterator().next();
        assertEquals(1, stats.misses());
        assertEquals(1, stats.mismatches());
        assertEquals(2, stats.errors(), "the mismatch and the 0x86");
        assertNotNull(run.firstError());
        assertEquals(3, run.collectLatencies());
        assertEquals(3, run.latencies().getTotalCount());

        respond(0x00, sent.get(3)[1], 0);
        sent.addAll(written());
        assertEquals(1, run.collectLatencies());
        assertEquals(4, run.latencies().getTotalCount(), "collections accumulate");

        run.phase(RunState.Phase.STOP);
        respond(0x00, sent.get(4)[1], 0);
        respond(0x00, sent.get(5)[1], 0);
        assertTrue(written().isEmpty(), "nothing new after STOP");
        assertEquals(0, run.drained.getCount());
        assertEquals(0, run.collectLatencies(), "responses after STOP are not recorded");
        assertEquals(4, run.latencies().getTotalCount());
    }

    @Test
    void unansweredRequestsOfAClosedConnectionAreTimeouts() {
        RunState run = start(4, 0.0, 5);
        handler().startPreload(0, 1);
        drainPreload();
        handler().startLoad();
        List<int[]> sent = written();
        assertEquals(4, sent.size());
        sent.forEach(r -> assertEquals(0x01, r[0], "get ratio 0: SETs only"));
        channel.close();
        LoopStats stats = run.allStats().iterator().next();
        assertEquals(4, stats.timeouts());
        assertEquals(1, stats.closed());
        assertEquals(0, run.drained.getCount());
    }

    @Test
    void unsolicitedResponseIsAMismatch() {
        RunState run = start(1, 1.0, 1);
        respond(0x00, 12345, 0);
        LoopStats stats = run.allStats().iterator().next();
        assertEquals(1, stats.mismatches());
        assertNull(channel.readOutbound());
    }

    private List<int[]> drainPreload() {
        List<int[]> all = new ArrayList<>();
        List<int[]> pending = new ArrayList<>(written());
        while (!pending.isEmpty()) {
            int[] r = pending.remove(0);
            all.add(r);
            respond(r[0], r[1], 0);
            pending.addAll(written());
        }
        return all;
    }
}
