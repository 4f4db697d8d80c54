package dev.kvgate.client;

import dev.kvgate.mcbp.FrameError;
import dev.kvgate.mcbp.FrameSplitter;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Requests;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLSession;

/**
 * A small pipelining mcbp client over plain TCP or TLS, for kvgate's tests and its check and bench
 * commands. Requests are matched to responses in order, as memcached answers: a quiet request that
 * got no response completes with {@code null} once a later response arrives; a response out of
 * order fails the call (the client checks the server's ordering, it does not hide it).
 */
public final class McbpClient implements AutoCloseable {
    private static final int MAX_FRAME = 64 * 1024 * 1024;
    private static volatile EventLoopGroup shared;

    private final Channel channel;
    /** The channel's TLS handler, kept: a closed channel's pipeline is empty. Null over plain TCP. */
    private final SslHandler tls;
    /** Touched only on the channel's event loop. */
    private final ArrayDeque<Call> pending = new ArrayDeque<>();
    private int nextOpaque = 1;
    private volatile Throwable failure;
    /** Set after negotiating UnorderedExecution with HELLO: answers are matched by opaque in any order. */
    private volatile boolean unordered;

    private McbpClient(Channel channel, SslHandler tls) {
        this.channel = channel;
        this.tls = tls;
    }

    public static McbpClient connect(String host, int port) throws IOException {
        return connect(host, port, null);
    }

    /** Connects, and for TLS completes the handshake, before returning. {@code ssl} null means plain. */
    public static McbpClient connect(String host, int port, SslContext ssl) throws IOException {
        Handler handler = new Handler();
        SslHandler[] tlsHandler = new SslHandler[1];
        Bootstrap b = new Bootstrap()
                .group(group())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            tlsHandler[0] = ssl.newHandler(ch.alloc(), host, port);
                            ch.pipeline().addLast("tls", tlsHandler[0]);
                        }
                        ch.pipeline().addLast("frames",
                                FrameSplitter.responses(MAX_FRAME));
                        ch.pipeline().addLast("client", handler);
                    }
                });
        try {
            Channel ch = b.connect(host, port).sync().channel();
            McbpClient client = new McbpClient(ch, tlsHandler[0]);
            handler.client = client;
            if (ssl != null) {
                SslHandler tls = tlsHandler[0];
                if (!tls.handshakeFuture().await(10, TimeUnit.SECONDS) || !tls.handshakeFuture().isSuccess()) {
                    ch.close();
                    Throwable cause = tls.handshakeFuture().cause();
                    throw new IOException("TLS handshake with " + host + ":" + port + " failed: "
                            + (cause == null ? "timeout" : String.valueOf(cause)), cause);
                }
            }
            return client;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting", e);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private static EventLoopGroup group() {
        EventLoopGroup g = shared;
        if (g == null) {
            synchronized (McbpClient.class) {
                if (shared == null) {
                    shared = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("mcbp-client", true),
                            NioIoHandler.newFactory());
                }
                g = shared;
            }
        }
        return g;
    }

    /**
     * Match answers by opaque in any order, for a connection that negotiated UnorderedExecution.
     * Quiet requests are then settled only when a later barrier (NOOP) is answered.
     */
    public void unordered(boolean value) {
        this.unordered = value;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** Sends one request. */
    public CompletableFuture<Response> send(Request request) {
        return sendAll(List.of(request)).get(0);
    }

    /** Sends all requests back to back with a single flush: a pipeline. */
    public List<CompletableFuture<Response>> sendAll(List<Request> requests) {
        List<Call> calls = new ArrayList<>(requests.size());
        List<CompletableFuture<Response>> futures = new ArrayList<>(requests.size());
        for (Request r : requests) {
            Call c = new Call(r, false);
            calls.add(c);
            futures.add(c.future);
        }
        submit(calls);
        return futures;
    }

    /** Sends a request whose answer is several frames ended by an empty key (STAT). */
    public CompletableFuture<List<Response>> sendMulti(Request request) {
        Call c = new Call(request, true);
        submit(List.of(c));
        return c.multiFuture;
    }

    /**
     * Sends one request written in pieces: the encoded frame is cut at each offset in {@code cuts}
     * (ascending, inside the frame) and every piece is flushed on its own, {@code gap} after the
     * previous one. Over TLS every piece is a record of its own, so the server sees a frame split across
     * records; over TCP across segments, unless the server is slower to read than {@code gap}.
     */
    public CompletableFuture<Response> sendInPieces(Request request, int[] cuts, Duration gap) {
        Call c = new Call(request, false);
        channel.eventLoop().execute(() -> {
            if (failure != null || !channel.isActive()) {
                c.fail(failure != null ? failure : new IOException("connection closed"));
                return;
            }
            c.opaque = nextOpaque++;
            pending.addLast(c);
            ByteBuf frame = encode(c.request, c.opaque);
            try {
                int from = 0;
                for (int i = 0; i <= cuts.length; i++) {
                    int to = i < cuts.length ? cuts[i] : frame.readableBytes();
                    if (to <= from || to > frame.readableBytes()) {
                        throw new IllegalArgumentException("cut " + to + " is not inside the frame after " + from);
                    }
                    ByteBuf piece = frame.retainedSlice(from, to - from);
                    long delay = gap.toNanos() * i;
                    if (delay == 0) {
                        channel.writeAndFlush(piece, channel.voidPromise());
                    } else {
                        channel.eventLoop().schedule(() -> channel.writeAndFlush(piece, channel.voidPromise()), delay,
                                TimeUnit.NANOSECONDS);
                    }
                    from = to;
                }
            } catch (RuntimeException e) {
                protocolError(e);
            } finally {
                frame.release();
            }
        });
        return c.future;
    }

    /**
     * Stops reading from the socket until {@link #resumeReading()}: the server's answers back up in
     * the socket buffers and then in the server, as with a client that stops reading.
     */
    public void pauseReading() {
        channel.config().setAutoRead(false);
    }

    public void resumeReading() {
        channel.config().setAutoRead(true);
    }

    /** The TLS session of a TLS connection (its handshake is complete once connected); empty over plain TCP. */
    public Optional<SSLSession> tlsSession() {
        return tls == null ? Optional.empty() : Optional.of(tls.engine().getSession());
    }

    /**
     * Sends a TLS close_notify and leaves the socket open, so the caller can watch what the server
     * does next. Fails at once over plain TCP.
     */
    public CompletableFuture<Void> sendCloseNotify() {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        if (tls == null) {
            sent.completeExceptionally(new IOException("not a TLS connection"));
            return sent;
        }
        tls.closeOutbound().addListener(f -> {
            if (f.isSuccess()) {
                sent.complete(null);
            } else {
                sent.completeExceptionally(f.cause());
            }
        });
        return sent;
    }

    /**
     * Whether the server's close_notify arrived: waits up to {@code timeout} for the TLS layer to see
     * either it (true) or the connection closing without one (false). False over plain TCP.
     */
    public boolean closeNotifyReceived(Duration timeout) throws InterruptedException {
        if (tls == null) {
            return false;
        }
        io.netty.util.concurrent.Future<Channel> closed = tls.sslCloseFuture();
        closed.await(timeout.toMillis());
        return closed.isSuccess();
    }

    /**
     * Drops the connection at once, as a crashed client would: no TLS close_notify, and a TCP reset
     * (SO_LINGER 0) instead of a FIN.
     */
    public void abort() {
        channel.eventLoop().execute(() -> {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            if (tls != null && channel.pipeline().get(SslHandler.class) != null) {
                // Removed first, so the close below sends no close_notify.
                channel.pipeline().remove(tls);
            }
            channel.close();
        });
        channel.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Sends raw bytes as they are, for tests of malformed input. Ownership of {@code bytes} passes here. */
    public void sendRaw(ByteBuf bytes) {
        channel.writeAndFlush(bytes);
    }

    private void submit(List<Call> calls) {
        channel.eventLoop().execute(() -> {
            if (failure != null || !channel.isActive()) {
                Throwable t = failure != null ? failure : new IOException("connection closed");
                calls.forEach(c -> c.fail(t));
                return;
            }
            for (Call c : calls) {
                c.opaque = nextOpaque++;
                pending.addLast(c);
                channel.write(encode(c.request, c.opaque), channel.voidPromise());
            }
            channel.flush();
        });
    }

    private ByteBuf encode(Request r, int opaque) {
        // Ownership: the caller's, until it writes the frame.
        return Requests.frame(channel.alloc(), r.opcode(), r.framingExtras(), r.extras(), r.key(), r.value(),
                r.vbucket(), opaque, r.cas());
    }

    /** Blocking call with a timeout; the quiet-silence answer is {@code null}. */
    public Response call(Request request) throws IOException {
        return await(send(request));
    }

    public Response get(String key) throws IOException {
        return call(Request.get(key));
    }

    public Response set(String key, String value) throws IOException {
        return call(Request.set(key, value));
    }

    public Response delete(String key) throws IOException {
        return call(Request.delete(key));
    }

    public Response noop() throws IOException {
        return call(Request.noop());
    }

    public Map<String, String> stats() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Response r : await(sendMulti(Request.of(Opcode.STAT)))) {
            if (r.key().length > 0) {
                out.put(r.keyString(), r.valueString());
            }
        }
        return out;
    }

    public static <T> T await(CompletableFuture<T> future) throws IOException {
        return await(future, Duration.ofSeconds(30));
    }

    public static <T> T await(CompletableFuture<T> future, Duration timeout) throws IOException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no response within " + timeout.toMillis() + " ms", e);
        }
    }

    /** Resolves once the server has closed the connection (or after the timeout). */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        return channel.closeFuture().await(timeout.toMillis());
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private void onResponse(Response r) {
        if (unordered) {
            onUnorderedResponse(r);
            return;
        }
        for (;;) {
            Call head = pending.peekFirst();
            if (head == null) {
                protocolError(new IOException("unsolicited response " + r));
                return;
            }
            if (head.opaque == r.opaque()) {
                if (head.multi) {
                    head.parts.add(r);
                    if (r.key().length == 0 || r.status() != 0) {
                        pending.pollFirst();
                        head.multiFuture.complete(head.parts);
                    }
                } else {
                    pending.pollFirst();
                    head.future.complete(r);
                }
                return;
            }
            if (!head.request.quiet()) {
                protocolError(new IOException("response with opaque " + r.opaque()
                        + " arrived before the answer to opaque " + head.opaque + " (out of order)"));
                return;
            }
            pending.pollFirst();
            head.future.complete(null);
        }
    }

    private void onUnorderedResponse(Response r) {
        for (java.util.Iterator<Call> it = pending.iterator(); it.hasNext(); ) {
            Call c = it.next();
            if (c.opaque == r.opaque()) {
                it.remove();
                c.future.complete(r);
                if (!c.request.quiet() && Opcode.of(c.request.opcode()) == Opcode.NOOP) {
                    // A barrier: every quiet request before it that got no answer was silent.
                    for (java.util.Iterator<Call> q = pending.iterator(); q.hasNext(); ) {
                        Call before = q.next();
                        if (before.opaque < c.opaque && before.request.quiet()) {
                            q.remove();
                            before.future.complete(null);
                        }
                    }
                }
                return;
            }
        }
        protocolError(new IOException("unsolicited response " + r));
    }

    private void protocolError(Throwable t) {
        failure = t;
        failAll(t);
        channel.close();
    }

    private void failAll(Throwable t) {
        Call c;
        while ((c = pending.pollFirst()) != null) {
            c.fail(t);
        }
    }

    private static final class Call {
        final Request request;
        final boolean multi;
        final CompletableFuture<Response> future = new CompletableFuture<>();
        final CompletableFuture<List<Response>> multiFuture = new CompletableFuture<>();
        final List<Response> parts = new ArrayList<>();
        int opaque;

        Call(Request request, boolean multi) {
            this.request = request;
            this.multi = multi;
        }

        void fail(Throwable t) {
            future.completeExceptionally(t);
            multiFuture.completeExceptionally(t);
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        volatile McbpClient client;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FrameError error) {
                client.protocolError(new IOException("malformed response: " + error.reason()));
                return;
            }
            ByteBuf f = (ByteBuf) msg;
            int fext = Mcbp.framingExtrasLength(f);
            int ext = Mcbp.extrasLength(f);
            int key = Mcbp.keyLength(f);
            int value = Mcbp.valueLength(f);
            byte[] framing = new byte[fext];
            byte[] extras = new byte[ext];
            byte[] k = new byte[key];
            byte[] v = new byte[value];
            int at = f.readerIndex() + Mcbp.HEADER_SIZE;
            f.getBytes(at, framing);
            f.getBytes(at + fext, extras);
            f.getBytes(at + fext + ext, k);
            f.getBytes(at + fext + ext + key, v);
            client.onResponse(new Response(Mcbp.magic(f), Mcbp.opcode(f), Mcbp.status(f), Mcbp.opaque(f), Mcbp.cas(f),
                    f.getByte(f.readerIndex() + Mcbp.DATATYPE), framing, extras, k, v));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            McbpClient c = client;
            if (c != null) {
                if (c.failure == null) {
                    c.failure = new IOException("connection closed by " + ctx.channel().remoteAddress());
                }
                c.failAll(c.failure);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            McbpClient c = client;
            if (c != null) {
                c.failure = cause;
                c.failAll(cause);
            }
            ctx.close();
        }
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
