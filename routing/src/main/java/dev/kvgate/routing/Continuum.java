package dev.kvgate.routing;

import java.util.Arrays;

/**
 * A hash ring: points (unsigned 32-bit) sorted ascending, each owned by one node; a hash belongs to
 * the first point at or after it, wrapping to the lowest point. Where several points are equal the
 * builder's {@link Tie} decides the owner, since clients differ exactly there.
 */
final class Continuum {

    /** Picks the owner of a point several nodes share; {@code nodes} is in ascending node order. */
    interface Tie {
        int owner(long point, int[] nodes);
    }

    /** libmemcached and twemproxy: sort by (point, server index), binary-search leftmost: the first server. */
    static final Tie FIRST_NODE = (point, nodes) -> nodes[0];
    /** spymemcached: a TreeMap filled node by node, so the last node put wins. */
    static final Tie LAST_NODE = (point, nodes) -> nodes[nodes.length - 1];

    // Packs (point, node index) into one sortable long: 32 bits of point above 20 bits of index.
    static final int INDEX_BITS = 20;
    static final int MAX_NODES = 1 << INDEX_BITS;

    private final long[] points;
    private final int[] owners;

    private Continuum(long[] points, int[] owners) {
        this.points = points;
        this.owners = owners;
    }

    static long pack(long point, int node) {
        return (point & 0xffffffffL) << INDEX_BITS | node;
    }

    /** @param packed {@link #pack packed} points, in any order; sorted in place */
    static Continuum build(long[] packed, int count, Tie tie) {
        if (count == 0) {
            throw new IllegalArgumentException("no node has any point on the ring");
        }
        Arrays.sort(packed, 0, count);
        long[] points = new long[count];
        int[] owners = new int[count];
        int distinct = 0;
        int i = 0;
        while (i < count) {
            long point = packed[i] >>> INDEX_BITS;
            int j = i;
            while (j < count && packed[j] >>> INDEX_BITS == point) {
                j++;
            }
            int[] nodes = new int[j - i];
            for (int k = i; k < j; k++) {
                nodes[k - i] = (int) (packed[k] & (MAX_NODES - 1));
            }
            points[distinct] = point;
            owners[distinct] = nodes.length == 1 ? nodes[0] : tie.owner(point, nodes);
            distinct++;
            i = j;
        }
        return new Continuum(Arrays.copyOf(points, distinct), Arrays.copyOf(owners, distinct));
    }

    int owner(int hash) {
        long h = hash & 0xffffffffL;
        int low = 0;
        int high = points.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (points[mid] < h) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return owners[low == points.length ? 0 : low];
    }

    int size() {
        return points.length;
    }
}
