package dev.kvgate.testkit;

/** Hex fixtures for protocol tests, so frames can be written as they appear in a packet dump. */
public final class Hex {

    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    /** Decodes pairs of hex digits; any whitespace (line breaks, spaces between fields) is ignored. */
    public static byte[] decode(String hex) {
        byte[] out = new byte[hex.length() / 2];
        int count = 0;
        int high = -1;
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (Character.isWhitespace(c)) {
                continue;
            }
            int nibble = Character.digit(c, 16);
            if (nibble < 0) {
                throw new IllegalArgumentException("not a hex digit '" + c + "' at index " + i);
            }
            if (high < 0) {
                high = nibble;
            } else {
                out[count++] = (byte) (high << 4 | nibble);
                high = -1;
            }
        }
        if (high >= 0) {
            throw new IllegalArgumentException("odd number of hex digits");
        }
        return count == out.length ? out : java.util.Arrays.copyOf(out, count);
    }

    /** Lower-case hex, no separators. */
    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = DIGITS[bytes[i] & 0xf];
        }
        return new String(out);
    }
}
