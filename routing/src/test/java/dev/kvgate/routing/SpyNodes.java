package dev.kvgate.routing;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import net.spy.memcached.MemcachedNode;

/** Stand-ins for spymemcached's connection nodes: the locators only ask them for their address. */
final class SpyNodes {

    final List<MemcachedNode> nodes = new ArrayList<>();
    private final Map<MemcachedNode, Integer> index = new IdentityHashMap<>();

    SpyNodes(List<InetSocketAddress> addresses) {
        for (InetSocketAddress address : addresses) {
            MemcachedNode node = (MemcachedNode) Proxy.newProxyInstance(SpyNodes.class.getClassLoader(),
                    new Class<?>[] {MemcachedNode.class}, (proxy, method, args) -> switch (method.getName()) {
                        case "getSocketAddress" -> address;
                        case "toString" -> "node " + address;
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
            index.put(node, nodes.size());
            nodes.add(node);
        }
    }

    /** Resolved IP-literal addresses 127.0.0.1:basePort.., which spymemcached prints as "/127.0.0.1:port". */
    static SpyNodes loopback(int count, int basePort) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            addresses.add(new InetSocketAddress("127.0.0.1", basePort + i));
        }
        return new SpyNodes(addresses);
    }

    int indexOf(MemcachedNode node) {
        Integer i = index.get(node);
        if (i == null) {
            throw new AssertionError("spymemcached returned an unknown node " + node);
        }
        return i;
    }
}
