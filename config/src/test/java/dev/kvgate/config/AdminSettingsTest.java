package dev.kvgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** kvgate.admin, kvgate.log and shutdown.not-ready-delay. */
class AdminSettingsTest {

    private static String problem(String hocon) {
        return assertThrows(SettingsException.class, () -> Settings.parse(hocon)).getMessage();
    }

    @Test
    void defaults() {
        KvgateSettings s = Settings.load(Optional.empty());
        assertTrue(s.admin().enabled());
        assertEquals("0.0.0.0", s.admin().host());
        assertEquals(9090, s.admin().port());
        assertEquals(AdminSettings.ReadyShards.Kind.ALL, s.admin().readyShards().kind());
        assertEquals(LogSettings.Format.TEXT, s.log().format());
        assertFalse(s.log().accessLog(), "access logging is off by default");
        assertEquals(0.01, s.log().accessSample());
        assertEquals(Duration.ZERO, s.notReadyDelay());
    }

    @Test
    void readyShardsPolicies() {
        AdminSettings.ReadyShards all = Settings.parse("kvgate.admin.ready-shards = all").admin().readyShards();
        assertTrue(all.satisfied(3, 3));
        assertFalse(all.satisfied(2, 3));
        AdminSettings.ReadyShards any = Settings.parse("kvgate.admin.ready-shards = any").admin().readyShards();
        assertTrue(any.satisfied(1, 3));
        assertFalse(any.satisfied(0, 3));
        AdminSettings.ReadyShards half = Settings.parse("kvgate.admin.ready-shards = 0.5").admin().readyShards();
        assertEquals(AdminSettings.ReadyShards.Kind.FRACTION, half.kind());
        assertEquals(2, half.needed(3), "rounded up");
        assertTrue(half.satisfied(2, 4));
        assertFalse(half.satisfied(1, 3));
        assertEquals(2, Settings.parse("kvgate.admin.ready-shards = \"0.5\"").admin().readyShards().needed(4));
    }

    @Test
    void invalidValuesNameTheirPath() {
        assertEquals("kvgate.admin.ready-shards: \"most\" is not all, any or a fraction in (0, 1]",
                problem("kvgate.admin.ready-shards = most"));
        assertEquals("kvgate.admin.ready-shards: \"1.5\" is not all, any or a fraction in (0, 1]",
                problem("kvgate.admin.ready-shards = 1.5"));
        assertEquals("kvgate.admin.port: 70000 is not a port (0-65535)", problem("kvgate.admin.port = 70000"));
        assertEquals("kvgate.log.format: \"xml\" is not one of text, json", problem("kvgate.log.format = xml"));
        assertEquals("kvgate.log.access.sample: must be in (0, 1], was 0.0", problem("kvgate.log.access.sample = 0"));
        assertTrue(problem("kvgate.admin.prot = 1").startsWith("kvgate.admin.prot: unknown setting"));
        assertEquals("kvgate.shutdown.not-ready-delay: must not be negative, was PT-1S",
                problem("kvgate.shutdown.not-ready-delay = -1s"));
    }

    @Test
    void jsonLogsAndSampledAccessLog() {
        KvgateSettings s = Settings.parse("kvgate.log { format = json, access { enabled = true, sample = 1 } }");
        assertEquals(LogSettings.Format.JSON, s.log().format());
        assertTrue(s.log().accessLog());
        assertEquals(1.0, s.log().accessSample());
    }
}
