package dev.kvgate.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A blocking text-protocol client for tests: sends bytes and reads until a given ending (e.g. the
 * {@code MN} of an {@code mn} sent last) or the server's close. No sleeps: every read waits on the
 * socket, bounded by a read timeout.
 */
public final class TextClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    private TextClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(20_000);
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
    }

    /** A plain connection, or TLS trusting {@code ca} when it is not null. */
    public static TextClient connect(String host, int port, X509Certificate ca) throws IOException {
        if (ca == null) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(host, port), 5_000);
            return new TextClient(s);
        }
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            SSLSocketFactory f = ctx.getSocketFactory();
            Socket s = f.createSocket();
            s.connect(new InetSocketAddress(host, port), 5_000);
            return new TextClient(s);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    public TextClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public TextClient send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** Reads until what was read ends with {@code ending}; fails on close or timeout before it. */
    public String readUntil(String ending) throws IOException {
        byte[] end = ending.getBytes(StandardCharsets.ISO_8859_1);
        Buffer got = new Buffer();
        byte[] chunk = new byte[65536];
        while (!got.endsWith(end)) {
            // Reads what is there: the ending is the last thing the server sends before waiting.
            int n = in.read(chunk);
            if (n < 0) {
                throw new IOException("closed before \"" + ending.trim() + "\"; got: "
                        + got.toString(StandardCharsets.ISO_8859_1));
            }
            got.write(chunk, 0, n);
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    /** Sends {@code commands} followed by {@code mn}; the answers before its {@code MN}. */
    public String exchange(String commands) throws IOException {
        send(commands + "mn\r\n");
        String all = readUntil("MN\r\n");
        return all.substring(0, all.length() - 4);
    }

    /** Everything until the server closes the connection. */
    public String readToClose() throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        try {
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
        } catch (java.net.SocketException e) {
            // A reset after the answers: they were read already.
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    private static final class Buffer extends ByteArrayOutputStream {
        boolean endsWith(byte[] end) {
            if (count < end.length) {
                return false;
            }
            for (int i = 0; i < end.length; i++) {
                if (buf[count - end.length + i] != end[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
