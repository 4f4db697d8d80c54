package dev.kvgate.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Reproducible key sets: random (ASCII and multi-byte UTF-8) and the shapes applications really use. */
final class TestKeys {

    private TestKeys() {
    }

    static List<String> mixed(int count, long seed) {
        Random random = new Random(seed);
        List<String> keys = new ArrayList<>(count);
        for (int i = 0; keys.size() < count; i++) {
            switch (i % 5) {
                case 0 -> keys.add(randomAscii(random, 1 + random.nextInt(250)));
                case 1 -> keys.add(randomUnicode(random, 1 + random.nextInt(60)));
                case 2 -> keys.add("user:" + i + ":profile");
                case 3 -> keys.add(Integer.toString(i));
                default -> keys.add("session-" + Long.toHexString(random.nextLong()));
            }
        }
        return keys;
    }

    private static String randomAscii(Random random, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append((char) (0x21 + random.nextInt(0x7e - 0x21 + 1)));
        }
        return sb.toString();
    }

    private static String randomUnicode(Random random, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int cp = switch (random.nextInt(3)) {
                case 0 -> 0x21 + random.nextInt(0x5e);
                case 1 -> 0xa1 + random.nextInt(0x7ff - 0xa1);
                default -> 0x1f600 + random.nextInt(0x40);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
