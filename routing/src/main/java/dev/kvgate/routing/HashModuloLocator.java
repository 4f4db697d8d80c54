package dev.kvgate.routing;

/**
 * A key hash (unsigned) modulo a slot table: libmemcached's modula (one slot per server), twemproxy's
 * modula (one slot per unit of weight, servers in order) and gomemcache (CRC-32 over the server list).
 */
final class HashModuloLocator implements ShardLocator {

    private final KeyHash keyHash;
    private final int[] slotToNode;
    private final int shardCount;

    HashModuloLocator(KeyHash keyHash, int[] slotToNode, int shardCount) {
        if (slotToNode.length == 0) {
            throw new IllegalArgumentException("need at least one node");
        }
        this.keyHash = keyHash;
        this.slotToNode = slotToNode.clone();
        this.shardCount = shardCount;
    }

    static HashModuloLocator oneSlotEach(KeyHash keyHash, int nodeCount) {
        int[] slots = new int[nodeCount];
        for (int i = 0; i < nodeCount; i++) {
            slots[i] = i;
        }
        return new HashModuloLocator(keyHash, slots, nodeCount);
    }

    @Override
    public int shardOf(byte[] key, int offset, int length) {
        if (shardCount == 1) {
            return 0;
        }
        return slotToNode[Integer.remainderUnsigned(keyHash.hash(key, offset, length), slotToNode.length)];
    }

    @Override
    public int shardOf(byte[] key, int offset, int length, KeyHashState state) {
        if (shardCount == 1) {
            return 0;
        }
        return slotToNode[Integer.remainderUnsigned(keyHash.hash(state, key, offset, length), slotToNode.length)];
    }

    @Override
    public int shardCount() {
        return shardCount;
    }
}
