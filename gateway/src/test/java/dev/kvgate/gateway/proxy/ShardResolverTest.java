package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.AddressResolverGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ShardResolverTest {
    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ShardResolver.Shared resolvers = new ShardResolver.Shared(loops, NioDatagramChannel.class,
            NioSocketChannel.class, Duration.ofSeconds(2));

    @AfterEach
    void close() {
        resolvers.close();
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void shardsGivenByAddressStartNoDnsResolver() {
        assertNull(resolvers.forHost("127.0.0.1"));
        assertNull(resolvers.forHost("::1"));
        assertNull(resolvers.forHost("10.1.2.3"));
        assertFalse(resolvers.started());
    }

    @Test
    void theFirstShardGivenByNameStartsOneResolverForAll() throws Exception {
        AddressResolverGroup<InetSocketAddress> group = resolvers.forHost("localhost");
        assertNotNull(group);
        assertTrue(resolvers.started());
        assertSame(group, resolvers.forHost("memcached-0.memcached"));
        assertNull(resolvers.forHost("127.0.0.1"));
        // It resolves (localhost comes from the hosts file, no DNS server needed).
        EventLoop loop = loops.next();
        InetSocketAddress resolved = loop.submit(() -> group.getResolver(loop)
                .resolve(InetSocketAddress.createUnresolved("localhost", 11211))).get().get(10, TimeUnit.SECONDS);
        assertTrue(resolved.getAddress().isLoopbackAddress(), resolved.toString());
    }

    @Test
    void closedStartsNoResolver() {
        resolvers.close();
        assertNull(resolvers.forHost("localhost"));
        assertFalse(resolvers.started());
    }
}
