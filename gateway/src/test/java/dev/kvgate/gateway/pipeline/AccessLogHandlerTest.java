package dev.kvgate.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.kvgate.gateway.log.LogCapture;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A write that carries several answers (a joined run) counts and logs each of them. */
class AccessLogHandlerTest {
    private final Logger access = (Logger) LoggerFactory.getLogger("kvgate.access");
    private Level before;
    private LogCapture capture;

    @BeforeEach
    void setUp() {
        before = access.getLevel();
        access.setLevel(Level.INFO);
        capture = new LogCapture("kvgate.access");
    }

    @AfterEach
    void tearDown() {
        capture.close();
        access.setLevel(before);
    }

    /** An answer frame: magic 0x81, opcode, status, {@code value} bytes of body. */
    private static void answer(ByteBuf out, int opcode, int status, int value) {
        out.writeByte(0x81).writeByte(opcode).writeShort(0).writeByte(0).writeByte(0).writeShort(status)
                .writeInt(value).writeInt(0).writeLong(0).writeZero(value);
    }

    @Test
    void everyAnswerOfAJoinedWriteIsLoggedWithItsOwnSize() {
        EmbeddedChannel ch = new EmbeddedChannel(new AccessLogHandler(1.0, new ListenerStats("plain")));
        ByteBuf run = Unpooled.buffer();
        answer(run, 0x00, 0x0000, 10);
        answer(run, 0x01, 0x0002, 0);
        answer(run, 0x04, 0x0001, 5);
        ch.writeOutbound(run);
        List<String> lines = capture.messages("bytes");
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(true, lines.get(0).endsWith("get success 34 bytes"), lines.get(0));
        assertEquals(true, lines.get(1).endsWith("set key_exists 24 bytes"), lines.get(1));
        assertEquals(true, lines.get(2).endsWith("delete key_not_found 29 bytes"), lines.get(2));
        ch.finishAndReleaseAll();
    }

    @Test
    void everyNthAnswerCountsAcrossWrites() {
        EmbeddedChannel ch = new EmbeddedChannel(new AccessLogHandler(0.5, new ListenerStats("plain")));
        ByteBuf first = Unpooled.buffer();
        answer(first, 0x00, 0, 1);
        answer(first, 0x00, 0, 2);
        answer(first, 0x00, 0, 3);
        ch.writeOutbound(first);
        ByteBuf second = Unpooled.buffer();
        answer(second, 0x00, 0, 4);
        ch.writeOutbound(second);
        List<String> lines = capture.messages("bytes");
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(true, lines.get(0).endsWith("26 bytes"), "the second answer: " + lines.get(0));
        assertEquals(true, lines.get(1).endsWith("28 bytes"), "the fourth answer: " + lines.get(1));
        ch.finishAndReleaseAll();
    }
}
