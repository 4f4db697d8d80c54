package dev.kvgate.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MemcachedProcessTest {

    // Binary protocol NOOP request: magic 0x80, opcode 0x0a, opaque 0xcafebabe.
    private static final byte[] NOOP = Hex.decode("""
            80 0a 0000 00 00 0000
            00000000
            cafebabe
            0000000000000000""");

    @Test
    void killAndRestartOnSamePort() throws Exception {
        try (MemcachedProcess memcached = MemcachedProcess.builder().memoryMb(16).start()) {
            int port = memcached.port();
            assertEquals("127.0.0.1:" + port, memcached.address());
            assertTrue(memcached.pid() > 0);
            assertNoop(port);

            memcached.kill();
            assertFalse(memcached.isAlive());
            assertThrows(ConnectException.class, () -> connect(port).close());

            memcached.restart();
            assertEquals(port, memcached.port());
            assertNoop(port);
        }
    }

    @Test
    void aPlainListenerBesidesTlsNeedsTls() {
        assertThrows(IllegalStateException.class, () -> MemcachedProcess.builder().alsoPlain().start());
    }

    @Test
    void stoppedProcessAcceptsButDoesNotAnswer() throws Exception {
        try (MemcachedProcess memcached = MemcachedProcess.builder().start()) {
            memcached.stop();
            try (Socket socket = connect(memcached.port())) {
                socket.setSoTimeout(300);
                socket.getOutputStream().write(NOOP);
                assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read());
                memcached.resume();
                socket.setSoTimeout(5000);
                assertNoopResponse(socket);
            }
        }
    }

    @Test
    void closeIsIdempotentAndQuiet() {
        MemcachedProcess memcached = MemcachedProcess.builder().start();
        memcached.close();
        memcached.close();
        assertFalse(memcached.isAlive());
    }

    @Test
    void badArgumentsFailWithLog() {
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> MemcachedProcess.builder().extraArgs("--no-such-option").start());
        assertTrue(failure.getMessage().contains("--no-such-option"), failure.getMessage());
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        return socket;
    }

    private static void assertNoop(int port) throws IOException {
        try (Socket socket = connect(port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(NOOP);
            assertNoopResponse(socket);
        }
    }

    private static void assertNoopResponse(Socket socket) throws IOException {
        byte[] header = new byte[24];
        new DataInputStream(socket.getInputStream()).readFully(header);
        assertEquals((byte) 0x81, header[0], "magic");
        assertEquals(0x0a, header[1], "opcode");
        assertEquals(0, header[6] << 8 | header[7] & 0xff, "status");
        assertArrayEquals(Hex.decode("cafebabe"), Arrays.copyOfRange(header, 12, 16), "opaque");
    }
}
