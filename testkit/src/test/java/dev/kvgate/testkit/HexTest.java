package dev.kvgate.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HexTest {

    @Test
    void decodesIgnoringWhitespace() {
        assertArrayEquals(new byte[] {(byte) 0x80, 0x0a, 0x00, (byte) 0xff},
                Hex.decode(" 80 0a\n\t00FF "));
    }

    @Test
    void roundTrips() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        assertArrayEquals(bytes, Hex.decode(Hex.encode(bytes)));
        assertEquals("000fa0ff", Hex.encode(new byte[] {0x00, 0x0f, (byte) 0xa0, (byte) 0xff}));
    }

    @Test
    void rejectsOddLengthAndNonHex() {
        assertThrows(IllegalArgumentException.class, () -> Hex.decode("abc"));
        assertThrows(IllegalArgumentException.class, () -> Hex.decode("0g"));
    }
}
