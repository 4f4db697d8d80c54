package dev.kvgate.tls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Run by {@code PemTest} in a child JVM with {@code -verbose:class}: reads certificate chains and
 * unencrypted keys and checks each pair as a server start does ({@link Pem}, {@link ServerTls#requireMatch}),
 * prints {@link #UNENCRYPTED_DONE}, then reads an encrypted key, which is BouncyCastle's job. The class
 * loading log before the marker is the start path's; after it, the control that the log shows
 * BouncyCastle when it is used.
 *
 * <p>Arguments: {@code chain=key ... -- encryptedKey password}. Must not reference BouncyCastle itself.
 */
final class StartPathReads {

    static final String UNENCRYPTED_DONE = "kvgate-test: unencrypted files read";
    static final String ENCRYPTED_DONE = "kvgate-test: encrypted key read";

    private StartPathReads() {
    }

    public static void main(String[] args) {
        int i = 0;
        for (; !args[i].equals("--"); i++) {
            String[] pair = args[i].split("=", 2);
            Path chainFile = Path.of(pair[0]);
            Path keyFile = Path.of(pair[1]);
            List<X509Certificate> chain = Pem.readCertificates(chainFile);
            PrivateKey key = Pem.readPrivateKey(keyFile, Optional.empty());
            ServerTls.requireMatch(key, chain.get(0), keyFile, chainFile);
            System.out.println("kvgate-test: read " + key.getAlgorithm() + " key " + keyFile.getFileName()
                    + " matching " + chain.size() + " certificates");
        }
        System.out.println(UNENCRYPTED_DONE);
        PrivateKey encrypted = Pem.readPrivateKey(Path.of(args[i + 1]), Optional.of(args[i + 2]));
        System.out.println("kvgate-test: read " + encrypted.getAlgorithm() + " key " + Path.of(args[i + 1]).getFileName());
        System.out.println(ENCRYPTED_DONE);
    }
}
