package dev.kvgate.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes PEM certificates and private keys, including the key formats Netty's own PEM reader
 * does not take: PKCS#1 ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}), encrypted PKCS#8
 * ({@code ENCRYPTED PRIVATE KEY}) and OpenSSL's legacy encrypted PKCS#1/SEC1 ({@code Proc-Type: 4,ENCRYPTED}).
 *
 * <p>Reading certificates and unencrypted PKCS#8, PKCS#1 and SEC1 keys (what a server reads at every start
 * and certificate reload) uses the JDK alone: the PEM text is split here, certificates go through the JDK's
 * X.509 {@link CertificateFactory} and keys through its {@link KeyFactory}s, PKCS#1 and SEC1 wrapped as
 * PKCS#8 by {@link Der}. Encrypted keys and rarer formats, and all writing, are done by {@link BcPem} with
 * BouncyCastle, whose classes are therefore loaded only when one of those is used. This class must not
 * reference BouncyCastle itself: {@code PemTest} checks in a fresh JVM that reading loads none of it.
 *
 * <p>Errors name the file they come from.
 */
public final class Pem {

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    private static final String OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
    /** AlgorithmIdentifier { rsaEncryption, NULL }: what a PKCS#1 key is wrapped with. */
    private static final byte[] RSA_ALGORITHM = Der.tlv(Der.SEQUENCE, Der.oid("1.2.840.113549.1.1.1"),
            new byte[] {Der.NULL, 0});

    private Pem() {
    }

    // ---- writing (BouncyCastle; for tests, the test PKI and generated certificates) ----

    /** Certificates as consecutive {@code CERTIFICATE} blocks, in the given order (leaf first for a chain). */
    public static String certificates(X509Certificate... certificates) {
        return certificates(List.of(certificates));
    }

    public static String certificates(List<X509Certificate> certificates) {
        return BcPem.certificates(certificates);
    }

    /** An unencrypted PKCS#8 {@code PRIVATE KEY} block: the format kvgate and Netty both read. */
    public static String privateKey(PrivateKey key) {
        return BcPem.privateKey(key);
    }

    /**
     * A password-encrypted PKCS#8 {@code ENCRYPTED PRIVATE KEY} block (PBES2: PBKDF2 with HMAC-SHA256,
     * AES-256-CBC), as {@code openssl pkcs8 -topk8 -v2 aes-256-cbc} writes.
     */
    public static String encryptedPrivateKey(PrivateKey key, char[] password) {
        return BcPem.encryptedPrivateKey(key, password);
    }

    /**
     * The OpenSSL "traditional" form: PKCS#1 {@code RSA PRIVATE KEY} or SEC1 {@code EC PRIVATE KEY};
     * what older tools and {@code openssl genrsa} / {@code openssl ecparam -genkey} produce.
     */
    public static String traditionalPrivateKey(PrivateKey key) {
        return BcPem.traditionalPrivateKey(key);
    }

    /** Writes {@code pem} to {@code file} (replacing it) and returns the file. */
    public static Path write(Path file, String pem) {
        try {
            Files.writeString(file, pem, StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    // ---- reading (JDK only for certificates and unencrypted keys) ----

    /** Every certificate in a PEM file, in file order; throws naming the file if there are none. */
    public static List<X509Certificate> readCertificates(Path file) {
        return readCertificates(read(file), file.toString());
    }

    /**
     * Every certificate ({@code CERTIFICATE} or {@code X509 CERTIFICATE} block) in PEM text, in order;
     * other blocks and text around the blocks are skipped. {@code source} names the text in errors.
     */
    public static List<X509Certificate> readCertificates(String pem, String source) {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = null;
            Blocks blocks = new Blocks(pem);
            for (Block block = blocks.next(); block != null; block = blocks.next()) {
                if (!block.label.equals("CERTIFICATE") && !block.label.equals("X509 CERTIFICATE")) {
                    continue;
                }
                if (factory == null) {
                    factory = CertificateFactory.getInstance("X.509");
                }
                certificates.add(certificate(factory, block));
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": not a readable PEM certificate file: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(source + ": no CERTIFICATE block found");
        }
        return certificates;
    }

    private static X509Certificate certificate(CertificateFactory factory, Block block) {
        try {
            ByteArrayInputStream der = new ByteArrayInputStream(block.decode());
            X509Certificate certificate = (X509Certificate) factory.generateCertificate(der);
            if (der.available() != 0) {
                throw new IllegalArgumentException(der.available() + " bytes after the certificate");
            }
            return certificate;
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IllegalArgumentException(block + ": " + e.getMessage(), e);
        }
    }

    /** The first private key in a PEM file, decrypted with {@code password} when it is encrypted. */
    public static PrivateKey readPrivateKey(Path file, Optional<String> password) {
        return readPrivateKey(read(file), file.toString(), password);
    }

    /**
     * The first private key in PEM text; {@code source} names it in errors. Unencrypted {@code PRIVATE KEY}
     * (PKCS#8: RSA, RSASSA-PSS, EC, EdDSA, XDH, DSA), {@code RSA PRIVATE KEY} (PKCS#1) and {@code EC PRIVATE
     * KEY} (SEC1 with a named curve) are read with the JDK; an encrypted key or another {@code ... PRIVATE
     * KEY} block goes to {@link BcPem}, which reads it as this class did before, with BouncyCastle.
     */
    public static PrivateKey readPrivateKey(String pem, String source, Optional<String> password) {
        boolean otherFormat = false;
        try {
            Blocks blocks = new Blocks(pem);
            for (Block block = blocks.next(); block != null; block = blocks.next()) {
                // Certificates, EC PARAMETERS (openssl ecparam -genkey writes them first) ...: not keys.
                if (!block.label.endsWith("PRIVATE KEY")) {
                    continue;
                }
                PrivateKey key = block.headers ? null : readUnencrypted(block);
                if (key != null) {
                    return key;
                }
                otherFormat = true;
                break;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(source + ": not a usable private key: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": not a readable PEM private key: " + e.getMessage(), e);
        }
        if (!otherFormat) {
            throw new IllegalArgumentException(source + ": no PRIVATE KEY block found");
        }
        // Headers (Proc-Type: 4,ENCRYPTED), ENCRYPTED PRIVATE KEY, DSA PRIVATE KEY, SEC1 without a curve ...
        return BcPem.readPrivateKey(pem, source, password);
    }

    /** The key in an unencrypted block, or null when this is a format left to {@link BcPem}. */
    private static PrivateKey readUnencrypted(Block block) throws GeneralSecurityException {
        try {
            switch (block.label) {
                case "PRIVATE KEY" -> {
                    byte[] der = block.decode();
                    Der.Reader info = new Der.Reader(der).expect(Der.SEQUENCE, "PrivateKeyInfo").children();
                    info.expect(Der.INTEGER, "PrivateKeyInfo version");
                    Der.Reader algorithm = info.expect(Der.SEQUENCE, "PrivateKeyInfo algorithm").children();
                    algorithm.expect(Der.OBJECT_IDENTIFIER, "PrivateKeyInfo algorithm");
                    return generate(keyAlgorithm(Der.oidString(algorithm.content())), der);
                }
                case "RSA PRIVATE KEY" -> {
                    // PKCS#1 RSAPrivateKey; the KeyFactory checks its fields.
                    return generate("RSA", Der.privateKeyInfo(RSA_ALGORITHM, block.decode()));
                }
                case "EC PRIVATE KEY" -> {
                    // SEC1: SEQUENCE { INTEGER 1, OCTET STRING key, [0] parameters OPTIONAL, [1] BIT STRING OPTIONAL }.
                    // PKCS#8 names the curve in the AlgorithmIdentifier, so it is copied there from [0];
                    // the JDK's EC key ignores [0] and [1] inside.
                    byte[] sec1 = block.decode();
                    Der.Reader fields = new Der.Reader(sec1).expect(Der.SEQUENCE, "ECPrivateKey").children();
                    fields.expect(Der.INTEGER, "ECPrivateKey version");
                    fields.expect(Der.OCTET_STRING, "ECPrivateKey privateKey");
                    while (fields.hasNext()) {
                        if (fields.next() == Der.CONTEXT_0) {
                            Der.Reader parameters = fields.children();
                            parameters.next();
                            byte[] algorithm = Der.tlv(Der.SEQUENCE, Der.oid(OID_EC_PUBLIC_KEY), parameters.encoded());
                            return generate("EC", Der.privateKeyInfo(algorithm, sec1));
                        }
                    }
                    return null;
                }
                default -> {
                    return null;
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(block + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey generate(String algorithm, byte[] pkcs8) throws GeneralSecurityException {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    /** The JCA KeyFactory name of a PKCS#8 key algorithm OID. */
    private static String keyAlgorithm(String oid) {
        return switch (oid) {
            case "1.2.840.113549.1.1.1" -> "RSA";
            case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
            case OID_EC_PUBLIC_KEY -> "EC";
            case "1.3.101.110" -> "X25519";
            case "1.3.101.111" -> "X448";
            case "1.3.101.112" -> "Ed25519";
            case "1.3.101.113" -> "Ed448";
            case "1.2.840.10040.4.1" -> "DSA";
            // As BouncyCastle's converter did: the JDK's providers know some algorithms by OID alone.
            default -> oid;
        };
    }

    private static String read(Path file) {
        try {
            // Latin-1 decodes any byte: a bundle with non-ASCII comments still parses.
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": file not found", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * One {@code -----BEGIN label-----} ... {@code -----END label-----} block (RFC 7468): its label,
     * whether it has RFC 1421 headers ({@code Proc-Type}, {@code DEK-Info}), and its Base64 body.
     */
    private static final class Block {
        final String label;
        final int number;
        final boolean headers;
        private final String base64;

        Block(String label, int number, boolean headers, String base64) {
            this.label = label;
            this.number = number;
            this.headers = headers;
            this.base64 = base64;
        }

        byte[] decode() {
            try {
                return Base64.getDecoder().decode(base64);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad Base64: " + e.getMessage(), e);
            }
        }

        @Override
        public String toString() {
            return label + " block (PEM block " + number + ")";
        }
    }

    /**
     * The blocks of PEM text, one at a time; lines outside blocks (comments, {@code openssl x509 -text}
     * output) are skipped. Lines inside a block that contain a colon are headers, as BouncyCastle's
     * reader took them.
     */
    private static final class Blocks {
        private final String text;
        private int pos;
        private int count;

        Blocks(String text) {
            this.text = text;
        }

        /** The next block, or null after the last; malformed structure throws IllegalArgumentException. */
        Block next() {
            String line;
            while ((line = line()) != null) {
                if (line.startsWith(BEGIN)) {
                    break;
                }
            }
            if (line == null) {
                return null;
            }
            count++;
            if (!line.endsWith(DASHES) || line.length() < BEGIN.length() + DASHES.length() + 1) {
                throw new IllegalArgumentException("PEM block " + count + ": malformed line " + line);
            }
            String label = line.substring(BEGIN.length(), line.length() - DASHES.length());
            String endLine = END + label + DASHES;
            StringBuilder base64 = new StringBuilder();
            boolean headers = false;
            while ((line = line()) != null) {
                if (line.equals(endLine)) {
                    return new Block(label, count, headers, base64.toString());
                }
                if (line.startsWith(END) || line.startsWith(BEGIN)) {
                    break;
                }
                if (line.indexOf(':') >= 0) {
                    headers = true;
                } else {
                    base64.append(line);
                }
            }
            throw new IllegalArgumentException(label + " block (PEM block " + count + "): no " + endLine + " line");
        }

        /** The next line, trimmed, or null at the end of the text. */
        private String line() {
            if (pos >= text.length()) {
                return null;
            }
            int newline = text.indexOf('\n', pos);
            int end = newline < 0 ? text.length() : newline;
            String line = text.substring(pos, end).strip();
            pos = end + 1;
            return line;
        }
    }
}
