package dev.kvgate.routing;

/**
 * A shard as a placement sees it: the name the old client or proxy knew it by (usually
 * {@code host:port}) and its weight (1 unless the old setup weighted it).
 */
public record Node(String name, int weight) {
    public Node {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a node needs a name");
        }
        if (weight < 1) {
            throw new IllegalArgumentException("weight of " + name + " must be at least 1: " + weight);
        }
    }

    public static Node of(String name) {
        return new Node(name, 1);
    }
}
