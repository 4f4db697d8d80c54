package dev.kvgate.gateway.pipeline;

import dev.kvgate.gateway.protocol.FrameDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import java.util.function.Supplier;

/** Pipeline of a connection to a shard: response frame decoder, then the backend connection's handler. */
public final class BackendChannelInitializer extends ChannelInitializer<Channel> {
    private final int maxResponseFrame;
    private final Supplier<ChannelHandler> backend;

    public BackendChannelInitializer(int maxResponseFrame, Supplier<ChannelHandler> backend) {
        this.maxResponseFrame = maxResponseFrame;
        this.backend = backend;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline()
                .addLast(HandlerNames.FRAMES,
                        new FrameDecoder(FrameDecoder.Direction.RESPONSE, maxResponseFrame, Integer.MAX_VALUE))
                .addLast(HandlerNames.BACKEND, backend.get());
    }
}
