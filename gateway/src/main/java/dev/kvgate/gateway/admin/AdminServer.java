package dev.kvgate.gateway.admin;

import dev.kvgate.config.AdminSettings;
import dev.kvgate.mcbp.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP listener (kvgate.admin) on one event-loop thread of its own, accepting and serving
 * on it: whatever a scrape or the status page costs, the mcbp event loops never wait for it.
 */
public final class AdminServer implements AutoCloseable {
    /** Every path the admin listener answers. */
    public static final java.util.List<String> ROUTES = AdminHandler.ROUTES;

    /** Largest request accepted: the routes take no body. */
    private static final int MAX_REQUEST = 8192;

    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Binds the admin listener.
     *
     * @throws IllegalStateException when the address cannot be bound
     */
    public static AdminServer start(AdminSettings settings, AdminSources sources, Transport transport) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kvgate-admin", true),
                transport.ioHandler());
        try {
            // The registry, its JVM collectors (JMX: about 250 classes) and the exposition formats are
            // made at the first scrape, not at start: a gateway nobody scrapes never loads them.
            AdminHandler handler = new AdminHandler(sources, settings,
                    () -> new GatewayMetrics(sources, Clock.systemUTC()), Clock.systemUTC());
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline()
                                    .addLast(new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS))
                                    .addLast(new HttpServerCodec(4096, 8192, MAX_REQUEST))
                                    .addLast(new HttpObjectAggregator(MAX_REQUEST))
                                    .addLast(handler);
                        }
                    });
            Channel ch;
            try {
                ch = b.bind(settings.host(), settings.port()).sync().channel();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("admin listener: interrupted while binding", e);
            } catch (Exception e) {
                throw new IllegalStateException("admin listener: cannot bind " + settings.host() + ":"
                        + settings.port() + ": " + e.getMessage(), e);
            }
            return new AdminServer(group, ch);
        } catch (RuntimeException | Error e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
