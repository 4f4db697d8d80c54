package dev.kvgate.it.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A blocking TLS client driving an SSLEngine by hand over a plain socket, so a test controls every
 * record: how application data is cut into records, what is sent of a record, and when the socket closes.
 */
final class RawTlsClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    private ByteBuffer netIn;
    private final ByteBuffer appIn;
    private final ByteBuffer netOut;

    private RawTlsClient(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packet * 2).flip();
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
        this.netOut = ByteBuffer.allocate(packet * 2);
    }

    /** Connects and completes the handshake; {@code context} must be a JDK-provider client context. */
    static RawTlsClient connect(int port, SslContext context) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT, "127.0.0.1", port);
        RawTlsClient client = new RawTlsClient(socket, engine);
        try {
            client.handshake();
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
        return client;
    }

    /** The first bytes a client sends: its ClientHello record(s), without sending them. */
    static byte[] clientHello(SslContext context) throws SSLException {
        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT, "127.0.0.1", 1);
        ByteBuffer buffer = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.beginHandshake();
        engine.wrap(ByteBuffer.allocate(0), buffer);
        buffer.flip();
        byte[] hello = new byte[buffer.remaining()];
        buffer.get(hello);
        return hello;
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        for (;;) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    netOut.clear();
                    SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), netOut);
                    netOut.flip();
                    out.write(netOut.array(), 0, netOut.limit());
                    out.flush();
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("engine closed during the handshake");
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrapOnce()) {
                        throw new SSLException("connection closed during the handshake");
                    }
                }
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    return;
                }
            }
        }
    }

    /** Unwraps one record, reading from the socket as needed; false at end of stream. */
    private boolean unwrapOnce() throws IOException {
        for (;;) {
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            switch (r.getStatus()) {
                case OK -> {
                    return true;
                }
                case CLOSED -> {
                    return false;
                }
                case BUFFER_OVERFLOW -> throw new IllegalStateException("application buffer too small");
                case BUFFER_UNDERFLOW -> {
                    if (!fill()) {
                        return false;
                    }
                }
            }
        }
    }

    private boolean fill() throws IOException {
        netIn.compact();
        if (!netIn.hasRemaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(netIn.capacity() * 2);
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
        }
        int n = in.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
        if (n < 0) {
            netIn.flip();
            return false;
        }
        netIn.position(netIn.position() + n);
        netIn.flip();
        return true;
    }

    /** {@code plain} encrypted as one TLS record (it must fit in one: at most 16 KiB). */
    byte[] record(byte[] plain) throws SSLException {
        netOut.clear();
        SSLEngineResult r = engine.wrap(ByteBuffer.wrap(plain), netOut);
        if (r.bytesConsumed() != plain.length) {
            throw new IllegalArgumentException("not one record: " + r);
        }
        netOut.flip();
        return Arrays.copyOf(netOut.array(), netOut.limit());
    }

    /** Sends bytes as they are: records, parts of records, garbage. */
    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads and decrypts until {@code n} plaintext bytes arrived. */
    byte[] read(int n) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            appIn.flip();
            int take = Math.min(appIn.remaining(), n - got.size());
            got.write(appIn.array(), appIn.position(), take);
            appIn.position(appIn.position() + take);
            appIn.compact();
            if (got.size() < n && !unwrapOnce()) {
                throw new IOException("connection closed after " + got.size() + " of " + n + " bytes");
            }
        }
        return got.toByteArray();
    }

    /** True once the server has closed the connection (end of stream or reset) within {@code timeout}. */
    boolean awaitServerClose(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            while (unwrapOnce()) {
                appIn.clear();
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    X509Certificate peerCertificate() throws IOException {
        return (X509Certificate) engine.getSession().getPeerCertificates()[0];
    }

    String protocol() {
        return engine.getSession().getProtocol();
    }

    /** Closes the socket at once, without close_notify: an abrupt close. */
    @Override
    public void close() throws IOException {
        socket.close();
    }
}
