package dev.kvgate.testcerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.tls.Pem;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void writesEveryFileAndListsIt() throws Exception {
        Path target = dir.resolve("certs");
        assertEquals(0, run(target.toString()), err::toString);

        List<String> listed = out.toString(StandardCharsets.UTF_8).lines().skip(1).toList();
        assertEquals(17, listed.size(), out::toString);
        for (String file : listed) {
            assertTrue(Files.size(Path.of(file)) > 0, file);
        }
        assertTrue(listed.contains(target.resolve("server-chain.pem").toAbsolutePath().toString()), out::toString);
        assertEquals("EC", Pem.readCertificates(target.resolve("server-chain.pem")).get(0).getPublicKey().getAlgorithm());
    }

    @Test
    void rsaOptionWritesRsaKeys() {
        assertEquals(0, run(dir.toString(), "--rsa"), err::toString);
        assertEquals("RSA", Pem.readCertificates(dir.resolve("server-chain.pem")).get(0).getPublicKey().getAlgorithm());
    }

    @Test
    void badArgumentsGiveUsage() {
        assertEquals(2, run());
        assertEquals(2, run(dir.toString(), "--dsa"));
        assertEquals(2, run("a", "b"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage:"), err::toString);
    }
}
