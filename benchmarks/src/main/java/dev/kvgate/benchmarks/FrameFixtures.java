package dev.kvgate.benchmarks;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Requests;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** Request frames as a client sends them, written into pooled direct buffers like a socket read. */
final class FrameFixtures {
    /** SET extras: 4 bytes flags, 4 bytes expiry. */
    static final int SET_EXTRAS = 8;

    private FrameFixtures() {
    }

    static byte[] key(int i) {
        return String.format("key:%08d", i).getBytes(StandardCharsets.US_ASCII);
    }

    /** Appends a GET for {@code key} to {@code out}. */
    static void writeGet(ByteBuf out, byte[] key, int opaque) {
        writeHeader(out, Opcode.GET.code(), key.length, 0, key.length, opaque);
        out.writeBytes(key);
    }

    /** Appends a SET of {@code valueSize} bytes for {@code key} to {@code out}. */
    static void writeSet(ByteBuf out, byte[] key, int valueSize, int opaque) {
        writeHeader(out, Opcode.SET.code(), key.length, SET_EXTRAS, SET_EXTRAS + key.length + valueSize, opaque);
        out.writeInt(0); // flags
        out.writeInt(0); // expiry
        out.writeBytes(key);
        out.writeBytes(value(valueSize));
    }

    static byte[] value(int size) {
        byte[] value = new byte[size];
        for (int i = 0; i < size; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        return value;
    }

    static int setLength(byte[] key, int valueSize) {
        return Mcbp.HEADER_SIZE + SET_EXTRAS + key.length + valueSize;
    }

    static int getLength(byte[] key) {
        return Mcbp.HEADER_SIZE + key.length;
    }

    /** A buffer holding {@code frames} requests alternating SET and GET, starting with a SET. */
    static ByteBuf mixed(ByteBufAllocator alloc, int frames, int valueSize) {
        int size = 0;
        for (int i = 0; i < frames; i++) {
            byte[] key = key(i);
            size += i % 2 == 0 ? setLength(key, valueSize) : getLength(key);
        }
        ByteBuf out = alloc.directBuffer(size, size);
        for (int i = 0; i < frames; i++) {
            byte[] key = key(i);
            if (i % 2 == 0) {
                writeSet(out, key, valueSize, i);
            } else {
                writeGet(out, key, i);
            }
        }
        return out;
    }

    private static void writeHeader(ByteBuf out, byte opcode, int keyLength, int extrasLength, int bodyLength,
                                    int opaque) {
        Requests.writeHeader(out, opcode, keyLength, extrasLength, 0, bodyLength, opaque, 0);
    }
}
