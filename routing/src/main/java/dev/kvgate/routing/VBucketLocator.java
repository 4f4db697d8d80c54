package dev.kvgate.routing;

/**
 * Couchbase-style vbucket placement: CRC32 picks one of a fixed number of vbuckets, and a map picks
 * the node, so a node change moves whole vbuckets rather than rehashing keys.
 *
 * <p>The vbucket is {@code ((crc32(key) >> 16) & 0x7fff) % numVBuckets}, as in Couchbase clients and
 * libmemcached's virtual-bucket distribution with MEMCACHED_HASH_CRC (Couchbase clients mask with
 * {@code numVBuckets - 1}; the same for the power-of-two counts Couchbase uses). The default map
 * assigns vbucket {@code vb} to node {@code vb % nodeCount}: that reproduces placement only for that
 * simple map, not for a live Couchbase cluster's rebalanced map (pass it to {@link #withMap}).
 */
public final class VBucketLocator implements ShardLocator {

    public static final int DEFAULT_VBUCKETS = 1024;
    private static final int MAX_VBUCKETS = 0x8000;

    private final int[] vbucketToNode;
    private final int nodeCount;

    /** {@value #DEFAULT_VBUCKETS} vbuckets, assigned round-robin. */
    public VBucketLocator(int nodeCount) {
        this(nodeCount, DEFAULT_VBUCKETS);
    }

    /** {@code numVBuckets} vbuckets (at most 32768, the range of the hash), assigned round-robin. */
    public VBucketLocator(int nodeCount, int numVBuckets) {
        this(roundRobin(nodeCount, numVBuckets), nodeCount);
    }

    private VBucketLocator(int[] vbucketToNode, int nodeCount) {
        this.vbucketToNode = vbucketToNode;
        this.nodeCount = nodeCount;
    }

    /** An explicit vbucket map, e.g. one copied from a cluster; entry {@code vb} is the node owning vbucket vb. */
    public static VBucketLocator withMap(int[] vbucketToNode, int nodeCount) {
        checkCounts(nodeCount, vbucketToNode.length);
        int[] copy = vbucketToNode.clone();
        for (int vb = 0; vb < copy.length; vb++) {
            if (copy[vb] < 0 || copy[vb] >= nodeCount) {
                throw new IllegalArgumentException("vbucket " + vb + " maps to node " + copy[vb]
                        + ", outside 0.." + (nodeCount - 1));
            }
        }
        return new VBucketLocator(copy, nodeCount);
    }

    public int vbucketOf(byte[] key, int offset, int length) {
        return Hashes.crcHash(key, offset, length) % vbucketToNode.length;
    }

    public int vbucketCount() {
        return vbucketToNode.length;
    }

    @Override
    public int shardOf(byte[] key, int offset, int length) {
        return vbucketToNode[vbucketOf(key, offset, length)];
    }

    @Override
    public int shardOf(byte[] key, int offset, int length, KeyHashState state) {
        return vbucketToNode[state.crcHash(key, offset, length) % vbucketToNode.length];
    }

    @Override
    public int shardCount() {
        return nodeCount;
    }

    private static int[] roundRobin(int nodeCount, int numVBuckets) {
        checkCounts(nodeCount, numVBuckets);
        int[] map = new int[numVBuckets];
        for (int vb = 0; vb < numVBuckets; vb++) {
            map[vb] = vb % nodeCount;
        }
        return map;
    }

    private static void checkCounts(int nodeCount, int numVBuckets) {
        if (nodeCount < 1) {
            throw new IllegalArgumentException("need at least one node: " + nodeCount);
        }
        if (numVBuckets < 1 || numVBuckets > MAX_VBUCKETS) {
            throw new IllegalArgumentException("vbucket count must be in 1.." + MAX_VBUCKETS + ": " + numVBuckets);
        }
    }
}
