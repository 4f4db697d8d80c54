package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * libmemcached's own hash vectors: awesomized/libmemcached 1.1.4 test/fixtures/hashes.hpp (used by
 * its hashkit tests), transcribed. Debian's build lacks hsieh, so this is hsieh's check against
 * libmemcached; the signed-byte behaviour of every hash is checked against the real library and
 * nutcracker in it/ (LibmemcachedPlacementIT, TwemproxyPlacementIT).
 */
class KeyHashTest {

    private static final String[] INPUT = {"apple", "beat", "carrot", "daikon", "eggplant", "flower", "green",
        "hide", "ick", "jack", "kick", "lime", "mushrooms", "nectarine", "orange", "peach", "quant", "ripen",
        "strawberry", "tang", "up", "volumne", "when", "yellow", "zip", "The quick brown fox jumps over the lazy dog"};

    private static final long[] ONE_AT_A_TIME = {2297466611L, 3902465932L, 469785835L, 1937308741L, 261917617L,
        3785641677L, 1439605128L, 1649152283L, 1493851484L, 1246520657L, 2221159044L, 1973511823L, 384136800L,
        214358653L, 2379473940L, 4269788650L, 2864377005L, 2638630052L, 427683330L, 990491717L, 1747111141L,
        792127364L, 2599214128L, 2553037199L, 2509838425L, 1369346549L};
    private static final long[] MD5 = {3195025439L, 2556848621L, 3724893440L, 3332385401L, 245758794L, 2550894432L,
        121710495L, 3053817768L, 1250994555L, 1862072655L, 2631955953L, 2951528551L, 1451250070L, 2820856945L,
        2060845566L, 3646985608L, 2138080750L, 217675895L, 2230934345L, 1234361223L, 3968582726L, 2455685270L,
        1293568479L, 199067604L, 2042482093L, 2642219166L};
    private static final long[] CRC = {10542, 22009, 14526, 19510, 19432, 10199, 20634, 9369, 11511, 10362, 7893,
        31289, 11313, 9354, 7621, 30628, 15218, 25967, 2695, 9380, 17300, 28156, 9192, 20484, 16925, 16719};
    private static final long[] FNV1_64 = {473199127L, 4148981457L, 3971873300L, 3257986707L, 1722477987L,
        2991193800L, 4147007314L, 3633179701L, 1805162104L, 3503289120L, 3395702895L, 3325073042L, 2345265314L,
        3340346032L, 2722964135L, 1173398992L, 2815549194L, 2562818319L, 224996066L, 2680194749L, 3035305390L,
        246890365L, 2395624193L, 4145193337L, 1801941682L, 2112060110L};
    private static final long[] FNV1A_64 = {1488911807L, 2500855813L, 1510099634L, 1390325195L, 3647689787L,
        3241528582L, 1669328060L, 2604311949L, 734810122L, 1516407546L, 560948863L, 1767346780L, 561034892L,
        4156330026L, 3716417003L, 3475297030L, 1518272172L, 227211583L, 3938128828L, 126112909L, 3043416448L,
        3131561933L, 1328739897L, 2455664041L, 2272238452L, 3890508048L};
    private static final long[] FNV1_32 = {67176023L, 1190179409L, 2043204404L, 3221866419L, 2567703427L,
        3787535528L, 4147287986L, 3500475733L, 344481048L, 3865235296L, 2181839183L, 119581266L, 510234242L,
        4248244304L, 1362796839L, 103389328L, 1449620010L, 182962511L, 3554262370L, 3206747549L, 1551306158L,
        4127558461L, 1889140833L, 2774173721L, 1180552018L, 3922226286L};
    private static final long[] FNV1A_32 = {280767167L, 2421315013L, 3072375666L, 855001899L, 459261019L,
        3521085446L, 18738364L, 1625305005L, 2162232970L, 777243802L, 3323728671L, 132336572L, 3654473228L,
        260679466L, 1169454059L, 2698319462L, 1062177260L, 235516991L, 2218399068L, 405302637L, 1128467232L,
        3579622413L, 2138539289L, 96429129L, 2877453236L, 76545936L};
    private static final long[] HSIEH = {3738850110L, 3636226060L, 3821074029L, 3489929160L, 3485772682L, 80540287L,
        1805464076L, 1895033657L, 409795758L, 979934958L, 3634096985L, 1284445480L, 2265380744L, 707972988L,
        353823508L, 1549198350L, 1327930172L, 9304163L, 4220749037L, 2493964934L, 2777873870L, 2057831732L,
        1510213931L, 2027828987L, 3395453351L, 471461527L};
    private static final long[] MURMUR = {4142305122L, 734504955L, 3802834688L, 4076891445L, 387802650L,
        560515427L, 3274673488L, 3150339524L, 1527441970L, 2728642900L, 3613992239L, 2938419259L, 2321988328L,
        1145154116L, 4038540960L, 2224541613L, 264013145L, 3995512858L, 2400956718L, 2346666219L, 926327338L,
        442757446L, 1770805201L, 560483147L, 3902279934L, 818385189L};
    private static final long[] JENKINS = {1442444624L, 4253821186L, 1885058256L, 2120131735L, 3261968576L,
        3515188778L, 4232909173L, 4288625128L, 1812047395L, 3689182164L, 2502979932L, 1214050606L, 2415988847L,
        1494268927L, 1025545760L, 3920481083L, 4153263658L, 3824871822L, 3072759809L, 798622255L, 3065432577L,
        1453328165L, 2691550971L, 3408888387L, 2629893356L, 314054204L};

    @Test
    void matchesLibmemcachedPublishedVectors() {
        assertVector(KeyHash.ONE_AT_A_TIME, ONE_AT_A_TIME);
        assertVector(KeyHash.MD5, MD5);
        assertVector(KeyHash.CRC, CRC);
        assertVector(KeyHash.FNV1_64, FNV1_64);
        assertVector(KeyHash.FNV1A_64, FNV1A_64);
        assertVector(KeyHash.FNV1_32, FNV1_32);
        assertVector(KeyHash.FNV1A_32, FNV1A_32);
        assertVector(KeyHash.HSIEH, HSIEH);
        assertVector(KeyHash.MURMUR, MURMUR);
        assertVector(KeyHash.JENKINS, JENKINS);
    }

    @Test
    void honoursOffsetAndLength() {
        byte[] framed = "xxapplexx".getBytes(StandardCharsets.US_ASCII);
        for (KeyHash h : KeyHash.values()) {
            byte[] plain = "apple".getBytes(StandardCharsets.US_ASCII);
            assertEquals(h.hash(plain, 0, plain.length), h.hash(framed, 2, 5), h.name());
        }
    }

    private static void assertVector(KeyHash hash, long[] expected) {
        for (int i = 0; i < INPUT.length; i++) {
            byte[] key = INPUT[i].getBytes(StandardCharsets.US_ASCII);
            assertEquals(expected[i], hash.hash(key, 0, key.length) & 0xffffffffL, hash + " of " + INPUT[i]);
        }
    }
}
