package dev.kvgate.gateway.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogSafeTest {

    /** True when {@code s} holds nothing a terminal or a log reader would take as structure or hide. */
    private static boolean inert(String s) {
        return s.codePoints().allMatch(cp -> cp >= 0x20 && cp < 0x7f || cp >= 0xa0 && switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE -> false;
            default -> true;
        });
    }

    @Test
    void printableTextIsReturnedAsIs() {
        String s = "app-user_01 @ example.com";
        assertSame(s, LogSafe.text(s));
        assertEquals("Jürgen 用户 😀", LogSafe.text("Jürgen 用户 😀"), "any script, and pairs, stay readable");
        assertEquals("sb", LogSafe.text(new StringBuilder("sb")));
        assertEquals("", LogSafe.text(""));
    }

    @Test
    void lineBreaksAndTabsAreEscapedByName() {
        assertEquals("bob\\n2026-12-02 INFO forged", LogSafe.text("bob\n2026-12-02 INFO forged"));
        assertEquals("a\\r\\nb\\tc", LogSafe.text("a\r\nb\tc"));
    }

    @Test
    void backslashIsDoubledSoEveryEscapeIsKvgates() {
        assertEquals("not a newline: \\\\n", LogSafe.text("not a newline: \\n"));
        assertEquals("CN=a\\\\,b", LogSafe.text("CN=a\\,b"));
    }

    @Test
    void everyC0ControlAndDelIsEscaped() {
        assertEquals("\\x00", LogSafe.text("\0"));
        assertEquals("\\x1b[31mred", LogSafe.text("\u001b[31mred"));
        assertEquals("\\x07\\x08\\x0b\\x0c", LogSafe.text("\u0007\b\u000b\f"));
        assertEquals("\\x7f", LogSafe.text("\u007f"));
        for (char c = 0; c < 0x20; c++) {
            String out = LogSafe.text("<" + c + ">");
            assertTrue(inert(out), Integer.toHexString(c) + " -> " + out);
            assertTrue(out.length() >= 4, "visible: " + out);
        }
    }

    @Test
    void everyC1ControlIsEscaped() {
        assertEquals("\\x85", LogSafe.text("\u0085"), "NEL, a line break to some readers");
        assertEquals("\\x9b31m", LogSafe.text("\u009b31m"), "CSI");
        for (char c = 0x80; c < 0xa0; c++) {
            String out = LogSafe.text(String.valueOf(c));
            assertEquals(String.format("\\x%02x", (int) c), out);
        }
        assertEquals("\u00a0é", LogSafe.text("\u00a0é"), "Latin-1 from NBSP on is text");
    }

    @Test
    void lineAndParagraphSeparatorsAreEscaped() {
        assertEquals("a\\u2028b\\u2029c", LogSafe.text("a\u2028b\u2029c"));
    }

    @Test
    void bidiAndInvisibleFormatCharactersAreEscaped() {
        assertEquals("user\\u202egnp.exe", LogSafe.text("user\u202egnp.exe"), "RLO");
        String[] bidi = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
                "\u200e", "\u200f", "\u061c"};
        for (String c : bidi) {
            assertEquals(String.format("\\u%04x", (int) c.charAt(0)), LogSafe.text(c));
        }
        assertEquals("ad\\u200bmin", LogSafe.text("ad\u200bmin"), "zero-width space");
        assertEquals("\\ufeffx", LogSafe.text("\ufeffx"), "BOM");
        assertEquals("\\udb40\\udc41", LogSafe.text(new String(Character.toChars(0xE0041))), "tag character A");
    }

    @Test
    void loneSurrogatesAndPrivateUseAreEscaped() {
        assertEquals("\\ud800x", LogSafe.text("\ud800x"));
        assertEquals("x\\udc00", LogSafe.text("x\udc00"));
        assertEquals("\\ue000", LogSafe.text("\ue000"));
    }

    @Test
    void noCharacterComesOutRaw() {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i <= Character.MAX_VALUE; i++) {
            char c = (char) i;
            String out = LogSafe.text(String.valueOf(c), 10);
            assertTrue(inert(out), Integer.toHexString(c) + " -> " + out);
            all.append(c);
        }
        assertTrue(inert(LogSafe.text(all, Integer.MAX_VALUE)));
    }

    @Test
    void longTextIsCutWithHowMuchWasLeftOut() {
        String a100 = "a".repeat(100);
        assertEquals("a".repeat(64) + "...(+36)", LogSafe.text(a100));
        assertEquals("aaaaa...(+95)", LogSafe.text(a100, 5));
        assertEquals(a100, LogSafe.text(a100, 100), "exactly the maximum: no marker");
        assertEquals("...(+100)", LogSafe.text(a100, 0));
        assertEquals("\\n".repeat(64) + "...(+36)", LogSafe.text("\n".repeat(100)),
                "the maximum counts what the client sent, not the escapes");
        assertThrows(IllegalArgumentException.class, () -> LogSafe.text("x", -1));
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String s = "ab😀cd";
        assertEquals("ab...(+4)", LogSafe.text(s, 3));
        assertEquals("ab😀...(+2)", LogSafe.text(s, 4));
    }

    @Test
    void nullIsTheWordNull() {
        assertEquals("null", LogSafe.text(null));
        assertEquals("null", LogSafe.text(null, 3));
        assertEquals("null", LogSafe.bytes((byte[]) null));
        assertEquals("null", LogSafe.bytes((ByteBuf) null, 3));
    }

    @Test
    void bytesShowPrintableAsciiAndHexForTheRest() {
        byte[] key = {'k', 'e', 'y', 0, '\n', (byte) 0xff, (byte) 0xc3, (byte) 0xa9, '\\', 0x7f, ' '};
        assertEquals("key\\x00\\x0a\\xff\\xc3\\xa9\\\\\\x7f ", LogSafe.bytes(key));
        assertEquals("ke...(+9)", LogSafe.bytes(key, 2));
        assertEquals("\\x00".repeat(64) + "...(+186)", LogSafe.bytes(new byte[250]));
    }

    @Test
    void byteBufsAreReadWithoutMovingTheirIndexes() {
        ByteBuf buf = Unpooled.copiedBuffer("HEADERkey\nEND", StandardCharsets.US_ASCII);
        try {
            buf.readerIndex(6);
            assertEquals("key\\x0aEND", LogSafe.bytes(buf, 64));
            assertEquals(6, buf.readerIndex());
            assertEquals("key\\x0a", LogSafe.bytes(buf, 6, 4, 64));
            assertEquals("ke...(+2)", LogSafe.bytes(buf, 6, 4, 2));
            assertEquals(6, buf.readerIndex());
        } finally {
            buf.release();
        }
    }
}
