package dev.kvgate.benchmarks;

import dev.kvgate.config.Settings;
import dev.kvgate.gateway.server.KvgateServer;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Text GET against binary GETK through one in-process kvgate (embedded shards, one event loop), one
 * connection each, at pipeline depths 1 and 16, alternating protocols so that both see the same
 * machine; prints gets per second. A 100-byte value; the client reads answers by their known size,
 * so it costs the same for both protocols. Round 0 includes the JIT warming up; read round 1.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.kvgate.benchmarks.TextGetThroughput [seconds]}
 */
public final class TextGetThroughput {
    private static final int VALUE = 100;
    private static final byte[] TEXT_GET = "get key\r\n".getBytes(StandardCharsets.US_ASCII);
    /** "VALUE key 0 100\r\n" + value + "\r\n" + "END\r\n". */
    private static final int TEXT_ANSWER = 17 + VALUE + 2 + 5;
    /** Header, 4 bytes of flags, key, value. */
    private static final int BINARY_ANSWER = 24 + 4 + 3 + VALUE;

    private TextGetThroughput() {
    }

    public static void main(String[] args) throws Exception {
        long millis = (args.length > 0 ? Long.parseLong(args[0]) : 5) * 1000;
        KvgateServer server = KvgateServer.start(Settings.parse(
                "kvgate { io-threads = 1, listeners = [ { name = plain, host = \"127.0.0.1\", port = 0 } ] }"));
        try (Socket text = connect(server); Socket binary = connect(server)) {
            OutputStream out = text.getOutputStream();
            out.write(("set key 0 0 " + VALUE + "\r\n" + "x".repeat(VALUE) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            new DataInputStream(text.getInputStream()).readFully(new byte[8]);
            for (int round = 0; round < 2; round++) {
                for (int depth : new int[] {1, 16}) {
                    long t = run(text, depth, true, millis);
                    long b = run(binary, depth, false, millis);
                    System.out.printf("round %d depth %2d: text %,d gets/s, binary %,d gets/s (text/binary %.2f)%n",
                            round, depth, t, b, (double) t / b);
                }
            }
        } finally {
            server.close();
        }
    }

    private static Socket connect(KvgateServer server) throws IOException {
        Socket s = new Socket("127.0.0.1", server.port("plain"));
        s.setTcpNoDelay(true);
        return s;
    }

    private static byte[] binaryGetk(int opaque) {
        ByteBuffer b = ByteBuffer.allocate(24 + 3);
        b.put((byte) 0x80).put((byte) 0x0c).putShort((short) 3).put((byte) 0).put((byte) 0).putShort((short) 0)
                .putInt(3).putInt(opaque).putLong(0).put("key".getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    private static long run(Socket s, int depth, boolean text, long millis) throws IOException {
        byte[] one = text ? TEXT_GET : binaryGetk(1);
        byte[] batch = new byte[one.length * depth];
        for (int i = 0; i < depth; i++) {
            System.arraycopy(one, 0, batch, i * one.length, one.length);
        }
        byte[] answers = new byte[(text ? TEXT_ANSWER : BINARY_ANSWER) * depth];
        OutputStream out = s.getOutputStream();
        DataInputStream in = new DataInputStream(s.getInputStream());
        long start = System.nanoTime();
        long end = start + millis * 1_000_000L;
        long n = 0;
        while (System.nanoTime() < end) {
            out.write(batch);
            out.flush();
            in.readFully(answers);
            n += depth;
        }
        return n * 1_000_000_000L / (System.nanoTime() - start);
    }
}
