package dev.kvgate.it.tls;

import dev.kvgate.testcerts.TestPki;
import dev.kvgate.tls.KeyType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A test PKI in a temporary directory removed on close; readable by memcached running as nobody. */
final class PkiDir implements AutoCloseable {
    final Path dir;
    final TestPki pki;

    private PkiDir(Path dir, TestPki pki) {
        this.dir = dir;
        this.pki = pki;
    }

    static PkiDir create() throws IOException {
        Path dir = Files.createTempDirectory("kvgate-pki");
        return new PkiDir(dir, TestPki.create(dir, KeyType.EC));
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
