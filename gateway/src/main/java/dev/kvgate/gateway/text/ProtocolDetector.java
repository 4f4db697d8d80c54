package dev.kvgate.gateway.text;

import dev.kvgate.config.ListenerSettings;
import dev.kvgate.gateway.log.PeerWarnings;
import dev.kvgate.gateway.pipeline.HandlerNames;
import dev.kvgate.gateway.protocol.FrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a binary client from a text one on the connection's first byte, as memcached does (0x80 or
 * 0x08: binary; 0x16, a TLS handshake on a plain listener, is left to the frame decoder to refuse), and sets the pipeline up for it: binary keeps the frame decoder; text puts a
 * {@link TextDecoder} in its place and a {@link TextEncoder} before the session. Then it removes
 * itself, so later reads pay nothing. A binary-only listener answers a text client with one
 * SERVER_ERROR line and closes.
 */
public final class ProtocolDetector extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);
    static final byte[] BINARY_ONLY = "SERVER_ERROR this listener speaks the binary protocol only\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private final ListenerSettings.Protocol protocol;
    private final int maxFrame;
    private final Duration readTimeout;

    /** @param readTimeout how long a text command may stay incomplete (limits.frame-read-timeout) */
    public ProtocolDetector(ListenerSettings.Protocol protocol, int maxFrame, Duration readTimeout) {
        this.protocol = protocol;
        this.maxFrame = maxFrame;
        this.readTimeout = readTimeout;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in) || !in.isReadable()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        byte first = in.getByte(in.readerIndex());
        boolean binary = first == (byte) 0x80 || first == (byte) 0x08;
        if (first == 0x16 && protocol == ListenerSettings.Protocol.AUTO) {
            // A TLS handshake sent to a plain listener is no text command: the frame decoder refuses
            // it at once with its log line, where the text decoder would wait for a newline.
            binary = true;
        }
        if (protocol == ListenerSettings.Protocol.BINARY && !binary) {
            in.release();
            PeerWarnings.of(ctx.channel()).info(log, ctx.channel(),
                    "{}: a text client on a binary-only listener; closing", ctx.channel());
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(BINARY_ONLY)).addListener(ChannelFutureListener.CLOSE);
            ctx.pipeline().remove(this);
            return;
        }
        if (protocol == ListenerSettings.Protocol.TEXT || !binary) {
            ArrayDeque<TextReply> replies = new ArrayDeque<>();
            ctx.pipeline().replace(FrameDecoder.class, HandlerNames.TEXT_DECODER, new TextDecoder(replies, maxFrame, readTimeout));
            ctx.pipeline().addAfter(HandlerNames.TEXT_DECODER, HandlerNames.TEXT_ENCODER, new TextEncoder(replies));
        }
        ctx.pipeline().remove(this);
        // Ownership: the next handler's (the frame or text decoder).
        ctx.fireChannelRead(msg);
    }
}
