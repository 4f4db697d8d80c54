package dev.kvgate.it.compare;

/** Where the comparison table runs: real memcached, and kvgate on its embedded shards over each transport. */
enum Target {
    MEMCACHED("mc"),
    KVGATE_PLAIN("plain"),
    KVGATE_TLS("tls");

    private final String tag;

    Target(String tag) {
        this.tag = tag;
    }

    /** A short tag for key prefixes, so runs of the same case on different targets never share a key. */
    String tag() {
        return tag;
    }
}
