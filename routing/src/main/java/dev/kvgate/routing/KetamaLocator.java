package dev.kvgate.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Ketama consistent hashing, byte-compatible with spymemcached or libmemcached, so keys land on the
 * same memcached the application's existing client would have used.
 *
 * <p>Both variants put points on a 32-bit ring: for each repetition {@code i} a node name string is
 * MD5-hashed and the digest yields four points (little-endian uint32 of bytes 0-3, 4-7, 8-11, 12-15);
 * a key's hash is the little-endian uint32 of the first four bytes of MD5(key), and the key belongs to
 * the first point at or after it, wrapping to the lowest point. They differ in three ways:
 * <ul>
 *   <li>Point name. spymemcached ({@code KetamaNodeKeyFormatter.Format.SPYMEMCACHED}) uses
 *       {@code String.valueOf(InetSocketAddress)} without its leading "/" plus "-i": "127.0.0.1:11211-0"
 *       for a node given as an IP literal, but "cache1/10.0.0.5:11211-0" for one given by a host name
 *       the client resolved; the node names passed here must be spelled that way. libmemcached uses
 *       "host-i" when the port is 11211 and "host:port-i" otherwise (no resolution involved).</li>
 *   <li>Collisions. spymemcached fills a TreeMap node by node, so on two equal points the node later
 *       in the list wins; libmemcached sorts (point, server index) and binary-searches for the leftmost
 *       match, so the earlier node wins.</li>
 *   <li>Weights. libmemcached's weighted mode gives each server
 *       {@code floor(weight / totalWeight * 160 / 4 * servers) * 4} points, computed in float as it
 *       does: with equal weights that is 160, except where float rounding gives 39.999998 and so 156
 *       (25 servers, for one); spymemcached's default is always 160 per node.</li>
 * </ul>
 * libmemcached's other rings (unweighted MEMCACHED_BEHAVIOR_KETAMA, other key hashes) are built by
 * {@link Libmemcached}.
 *
 * <p>Checked against libmemcached's {@code update_continuum} and {@code dispatch_host}
 * (awesomized/libmemcached, src/libmemcached/hosts.cc and hash.cc) and, in tests, against
 * spymemcached 2.12.3's {@code KetamaNodeLocator} and libmemcached's published ketama test vector.
 */
public final class KetamaLocator implements ShardLocator {

    /** Points per node with equal weights, in both clients. */
    public static final int POINTS_PER_NODE = 160;
    private static final int POINTS_PER_DIGEST = 4;
    private static final int LIBMEMCACHED_DEFAULT_PORT = 11211;
    // Packs (point, node index) into one sortable long: 32 bits of point above 20 bits of index.
    private static final int INDEX_BITS = 20;
    private static final int MAX_NODES = 1 << INDEX_BITS;

    private final long[] points;
    private final int[] owners;
    private final int shardCount;

    private KetamaLocator(long[] points, int[] owners, int shardCount) {
        this.points = points;
        this.owners = owners;
        this.shardCount = shardCount;
    }

    /** spymemcached's ring; names as spymemcached prints the node address (see the class comment). */
    public static KetamaLocator spymemcached(List<String> nodeNames) {
        checkNodes(nodeNames);
        List<String> pointNames = new ArrayList<>();
        List<Integer> pointsPerNode = new ArrayList<>();
        for (String name : nodeNames) {
            pointNames.add(name + "-");
            pointsPerNode.add(POINTS_PER_NODE);
        }
        return build(pointNames, pointsPerNode, false);
    }

    /** libmemcached's weighted ring with every weight 1, which is what its ketama-compatible mode uses by default. */
    public static KetamaLocator libmemcached(List<String> nodeNames) {
        checkNodes(nodeNames);
        return libmemcachedWeighted(nodeNames, Collections.nCopies(nodeNames.size(), 1));
    }

    /**
     * libmemcached's weighted ring ({@code MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED}); names are "host:port",
     * "host" (port 11211) or "[ipv6]:port", weights at least 1.
     */
    public static KetamaLocator libmemcachedWeighted(List<String> nodeNames, List<Integer> weights) {
        checkNodes(nodeNames);
        if (weights.size() != nodeNames.size()) {
            throw new IllegalArgumentException(weights.size() + " weights for " + nodeNames.size() + " nodes");
        }
        long totalWeight = 0;
        for (int weight : weights) {
            if (weight < 1) {
                throw new IllegalArgumentException("weights must be at least 1: " + weights);
            }
            totalWeight += weight;
        }
        int servers = nodeNames.size();
        List<String> pointNames = new ArrayList<>();
        List<Integer> pointsPerNode = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            pointNames.add(libmemcachedPointPrefix(nodeNames.get(i)));
            // Same float arithmetic, in the same order, as update_continuum: the rounding decides the count.
            float pct = (float) weights.get(i) / (float) totalWeight;
            int count = (int) Math.floor(pct * POINTS_PER_NODE / 4 * (float) servers + 0.0000000001F) * 4;
            pointsPerNode.add(count);
        }
        return build(pointNames, pointsPerNode, true);
    }

    @Override
    public int shardOf(byte[] key, int offset, int length) {
        if (shardCount == 1) {
            return 0;
        }
        return owner(Hashes.ketamaHash(key, offset, length));
    }

    @Override
    public int shardOf(byte[] key, int offset, int length, KeyHashState state) {
        if (shardCount == 1) {
            return 0;
        }
        return owner(state.ketamaHash(key, offset, length));
    }

    private int owner(long hash) {
        int low = 0;
        int high = points.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (points[mid] < hash) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return owners[low == points.length ? 0 : low];
    }

    @Override
    public int shardCount() {
        return shardCount;
    }

    /** Number of distinct points on the ring (fewer than the total when points collide). */
    int pointCount() {
        return points.length;
    }

    /** Node owning the lowest point, where hashes past the last point wrap to. */
    int ownerOfLowestPoint() {
        return owners[0];
    }

    static String libmemcachedPointPrefix(String nodeName) {
        String[] hostPort = hostPort(nodeName);
        return hostPort[1].equals(Integer.toString(LIBMEMCACHED_DEFAULT_PORT))
                ? hostPort[0] + "-" : hostPort[0] + ":" + hostPort[1] + "-";
    }

    /**
     * Host and port of a libmemcached server name: "host:port", "host" (port 11211) or
     * "[ipv6]:port"; the host without brackets, as libmemcached stores it.
     */
    static String[] hostPort(String nodeName) {
        String host;
        int port = LIBMEMCACHED_DEFAULT_PORT;
        if (nodeName.startsWith("[")) {
            int close = nodeName.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unterminated IPv6 address: " + nodeName);
            }
            host = nodeName.substring(1, close);
            if (close + 1 < nodeName.length()) {
                if (nodeName.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("expected ':' after ']' in " + nodeName);
                }
                port = parsePort(nodeName, nodeName.substring(close + 2));
            }
        } else {
            int colon = nodeName.lastIndexOf(':');
            if (colon >= 0 && nodeName.indexOf(':') != colon) {
                throw new IllegalArgumentException("IPv6 addresses need brackets: " + nodeName);
            }
            host = colon < 0 ? nodeName : nodeName.substring(0, colon);
            if (colon >= 0) {
                port = parsePort(nodeName, nodeName.substring(colon + 1));
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host in " + nodeName);
        }
        return new String[] {host, Integer.toString(port)};
    }

    private static int parsePort(String nodeName, String port) {
        try {
            int value = Integer.parseInt(port);
            if (value < 1 || value > 65535) {
                throw new IllegalArgumentException("port out of range in " + nodeName);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in " + nodeName, e);
        }
    }

    private static void checkNodes(List<String> nodeNames) {
        if (nodeNames.isEmpty()) {
            throw new IllegalArgumentException("a ring needs at least one node");
        }
        if (nodeNames.size() >= MAX_NODES) {
            throw new IllegalArgumentException("too many nodes: " + nodeNames.size());
        }
    }

    private static KetamaLocator build(List<String> pointPrefixes, List<Integer> pointsPerNode,
            boolean earlierNodeWinsCollision) {
        int total = pointsPerNode.stream().mapToInt(Integer::intValue).sum();
        long[] packed = new long[total];
        int n = 0;
        for (int node = 0; node < pointPrefixes.size(); node++) {
            String prefix = pointPrefixes.get(node);
            for (int repetition = 0; repetition < pointsPerNode.get(node) / POINTS_PER_DIGEST; repetition++) {
                byte[] digest = Hashes.md5((prefix + repetition).getBytes(StandardCharsets.UTF_8));
                for (int h = 0; h < POINTS_PER_DIGEST; h++) {
                    packed[n++] = Hashes.littleEndianUint32(digest, h * 4) << INDEX_BITS | node;
                }
            }
        }
        Arrays.sort(packed, 0, n);
        long[] points = new long[n];
        int[] owners = new int[n];
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            long point = packed[i] >>> INDEX_BITS;
            int owner = (int) (packed[i] & (MAX_NODES - 1));
            if (distinct > 0 && points[distinct - 1] == point) {
                // Sorted by index within a point: the first seen is the earlier node.
                if (!earlierNodeWinsCollision) {
                    owners[distinct - 1] = owner;
                }
                continue;
            }
            points[distinct] = point;
            owners[distinct] = owner;
            distinct++;
        }
        if (distinct == 0) {
            throw new IllegalArgumentException("no node has any point on the ring");
        }
        return new KetamaLocator(Arrays.copyOf(points, distinct), Arrays.copyOf(owners, distinct),
                pointPrefixes.size());
    }
}
