package dev.kvgate.check;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state one run of a scripted {@link Case} on one target builds up: the key prefix that keeps the
 * run's keys apart from every other run's, the CAS values it named, the stats snapshots it took, and
 * the server's clock once read.
 */
final class Script {
    private final String prefix;
    private final Map<String, NamedCas> cas = new HashMap<>();
    private final Map<String, Map<String, String>> snapshots = new HashMap<>();
    private long serverSeconds = -1;
    private long serverSecondsReadAt;

    Script(String prefix) {
        this.prefix = prefix;
    }

    /**
     * The wire key for the table's logical key {@code name}: the run's prefix and the name, padded
     * with 'x' to {@code length} bytes when {@code length} is positive.
     */
    byte[] key(String name, int length) {
        String k = prefix + name;
        if (length > 0) {
            if (k.length() > length) {
                throw new IllegalArgumentException("prefix too long for a " + length + "-byte key: " + k);
            }
            k = k + "x".repeat(length - k.length());
        }
        return k.getBytes(StandardCharsets.US_ASCII);
    }

    /** A CAS value named by an earlier answer, and the logical key whose item had it. */
    private record NamedCas(String key, long value) {
    }

    long cas(String name) {
        NamedCas c = cas.get(name);
        if (c == null) {
            throw new MissingCas(name);
        }
        return c.value();
    }

    boolean hasCas(String name) {
        return cas.containsKey(name);
    }

    void nameCas(String name, String key, long value) {
        cas.put(name, new NamedCas(key, value));
    }

    /** The names of the CAS values seen so far that equal {@code value}. */
    List<String> casNamesOf(long value) {
        return cas.entrySet().stream().filter(e -> e.getValue().value() == value).map(Map.Entry::getKey)
                .sorted().toList();
    }

    /**
     * The names of the CAS values seen so far for {@code key} that equal {@code value}. Only the same
     * key's CAS values are compared: memcached's are unique per server, kvgate's per shard.
     */
    List<String> casNamesOf(String key, long value) {
        return cas.entrySet().stream()
                .filter(e -> e.getValue().value() == value && Objects.equals(e.getValue().key(), key))
                .map(Map.Entry::getKey).sorted().toList();
    }

    void snapshot(String name, Map<String, String> stats) {
        snapshots.put(name, stats);
    }

    Map<String, String> snapshot(String name) {
        Map<String, String> s = snapshots.get(name);
        if (s == null) {
            throw new IllegalStateException("no stats snapshot named '" + name + "'");
        }
        return s;
    }

    /** The server said its clock reads {@code unixSeconds} now. */
    void serverClock(long unixSeconds) {
        serverSeconds = unixSeconds;
        serverSecondsReadAt = System.nanoTime();
    }

    /**
     * The server's Unix time now, from its STAT time and the time passed since (a clock of one-second
     * steps, like memcached's): absolute expirations then do not depend on the client's clock.
     */
    long serverNow() {
        if (serverSeconds < 0) {
            throw new IllegalStateException("the case reads the server's clock before it uses it");
        }
        return serverSeconds + (System.nanoTime() - serverSecondsReadAt) / 1_000_000_000L;
    }

    /** A case refers to a CAS whose answer never came or was not as expected; reported, not thrown out. */
    static final class MissingCas extends RuntimeException {
        MissingCas(String name) {
            super("CAS '" + name + "' is unknown: the answer that should have named it differed");
        }
    }
}
