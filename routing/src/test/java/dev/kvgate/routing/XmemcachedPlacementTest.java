package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.code.yanf4j.core.Session;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import net.rubyeye.xmemcached.impl.KetamaMemcachedSessionLocator;
import net.rubyeye.xmemcached.networking.MemcachedSession;
import net.rubyeye.xmemcached.utils.InetSocketAddressWrapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The xmemcached preset against xmemcached 2.4.8's own KetamaMemcachedSessionLocator, over stand-in
 * sessions that answer what the locator asks: address string and weight.
 */
class XmemcachedPlacementTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 10})
    void matchesKetamaMemcachedSessionLocator(int count) {
        List<Node> nodes = new ArrayList<>();
        List<Session> sessions = new ArrayList<>();
        Map<Session, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < count; i++) {
            int weight = count == 5 ? 1 + i % 3 : 1;
            boolean named = i % 2 == 1;
            InetSocketAddress address = new InetSocketAddress("127.0.0." + (i + 1), 11211 + i);
            String printed = named ? "cache" + i + "/127.0.0." + (i + 1) + ":" + (11211 + i) : String.valueOf(address);
            Session session = session(address, printed, weight);
            index.put(session, i);
            sessions.add(session);
            nodes.add(new Node(printed.startsWith("/") ? printed.substring(1) : printed, weight));
        }
        KetamaMemcachedSessionLocator reference = new KetamaMemcachedSessionLocator();
        reference.updateSessions(sessions);
        ShardLocator ours = Placement.parse("xmemcached").locator(nodes);
        int same = 0;
        List<String> keys = TestKeys.mixed(10_000, 40 + count);
        for (String key : keys) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            if (index.get(reference.getSessionByKey(key)) == ours.shardOf(bytes, 0, bytes.length)) {
                same++;
            }
        }
        assertEquals(keys.size(), same, "keys placed as xmemcached 2.4.8 over " + nodes);
    }

    private static Session session(InetSocketAddress address, String printed, int weight) {
        InetSocketAddressWrapper wrapper = new InetSocketAddressWrapper(address, 0, weight, null);
        wrapper.setRemoteAddressStr(printed);
        return (Session) Proxy.newProxyInstance(XmemcachedPlacementTest.class.getClassLoader(),
                new Class<?>[] {MemcachedSession.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getInetSocketAddressWrapper" -> wrapper;
                    case "getWeight" -> weight;
                    case "getRemoteSocketAddress" -> address;
                    case "isClosed" -> false;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> printed;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
