package dev.kvgate.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.util.List;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.bc.BcPEMDecryptorProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemObjectGenerator;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * The BouncyCastle half of {@link Pem}: writing PEM (certificates, PKCS#8, encrypted PKCS#8, PKCS#1 and
 * SEC1 keys, for tests, the test PKI and dev certificates), and reading the private-key formats the
 * JDK-only reader in {@link Pem} leaves to it: encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY}), OpenSSL's
 * legacy encrypted PKCS#1/SEC1 ({@code Proc-Type: 4,ENCRYPTED}), and anything else it does not know
 * ({@code DSA PRIVATE KEY}, SEC1 without curve parameters ...).
 *
 * <p>Every BouncyCastle reference of the PEM code lives here, so that no BouncyCastle class is loaded
 * (nor even resolved by the bytecode verifier) when a server reads an unencrypted certificate chain and
 * key at start. Keys are converted with the JDK's KeyFactories; BouncyCastle is not registered as a JCA
 * provider. Errors name the file they come from.
 */
final class BcPem {

    private static final String PBES2_AES_256 = "PBEWithHmacSHA256AndAES_256";
    private static final int PBKDF2_ITERATIONS = 100_000;
    private static final int SALT_BYTES = 16;
    private static final int IV_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private BcPem() {
    }

    /** Certificates as consecutive {@code CERTIFICATE} blocks, in the given order. */
    static String certificates(List<X509Certificate> certificates) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            for (X509Certificate certificate : certificates) {
                writer.writeObject(new PemObject("CERTIFICATE", certificate.getEncoded()));
            }
        } catch (IOException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode certificate", e);
        }
        return out.toString();
    }

    /** An unencrypted PKCS#8 {@code PRIVATE KEY} block: the format kvgate and Netty both read. */
    static String privateKey(PrivateKey key) {
        return write(new PemObject("PRIVATE KEY", privateKeyInfo(key)));
    }

    /**
     * A password-encrypted PKCS#8 {@code ENCRYPTED PRIVATE KEY} block (PBES2: PBKDF2 with HMAC-SHA256,
     * AES-256-CBC), as {@code openssl pkcs8 -topk8 -v2 aes-256-cbc} writes.
     */
    static String encryptedPrivateKey(PrivateKey key, char[] password) {
        try {
            byte[] salt = new byte[SALT_BYTES];
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(salt);
            RANDOM.nextBytes(iv);
            PBEParameterSpec spec = new PBEParameterSpec(salt, PBKDF2_ITERATIONS, new IvParameterSpec(iv));
            SecretKey secret = SecretKeyFactory.getInstance(PBES2_AES_256).generateSecret(new PBEKeySpec(password));
            Cipher cipher = Cipher.getInstance(PBES2_AES_256);
            cipher.init(Cipher.ENCRYPT_MODE, secret, spec);
            byte[] encrypted = cipher.doFinal(privateKeyInfo(key));
            // javax.crypto.EncryptedPrivateKeyInfo cannot name PBES2 parameters on JDK 17: encode it here.
            AlgorithmIdentifier scheme = new AlgorithmIdentifier(PKCSObjectIdentifiers.id_PBES2,
                    ASN1Primitive.fromByteArray(cipher.getParameters().getEncoded()));
            byte[] der = new org.bouncycastle.asn1.pkcs.EncryptedPrivateKeyInfo(scheme, encrypted).getEncoded();
            return write(new PemObject("ENCRYPTED PRIVATE KEY", der));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot encrypt private key", e);
        }
    }

    /**
     * The OpenSSL "traditional" form: PKCS#1 {@code RSA PRIVATE KEY} or SEC1 {@code EC PRIVATE KEY};
     * what older tools and {@code openssl genrsa} / {@code openssl ecparam -genkey} produce.
     */
    static String traditionalPrivateKey(PrivateKey key) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(privateKeyInfo(key));
            if (key instanceof java.security.interfaces.ECPrivateKey ec) {
                // The JDK's PKCS#8 keeps the curve only in the algorithm identifier; SEC1 needs it inside.
                ECPrivateKey sec1 = ECPrivateKey.getInstance(info.parsePrivateKey());
                ECPrivateKey withCurve = new ECPrivateKey(ec.getParams().getOrder().bitLength(), sec1.getKey(),
                        sec1.getPublicKey(), info.getPrivateKeyAlgorithm().getParameters());
                return write(new PemObject("EC PRIVATE KEY", withCurve.getEncoded()));
            }
            if (key instanceof RSAPrivateKey) {
                return write(new PemObject("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded()));
            }
            throw new IllegalArgumentException("no traditional PEM form for " + key.getAlgorithm() + " keys");
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode private key", e);
        }
    }

    private static byte[] privateKeyInfo(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("cannot write a " + key.getFormat() + " key as PKCS#8");
        }
        return key.getEncoded();
    }

    private static String write(PemObjectGenerator generator) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(generator);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode PEM object", e);
        }
        return out.toString();
    }

    private static String write(PemObject object) {
        return write(() -> object);
    }

    // ---- reading the formats Pem leaves to BouncyCastle ----

    /**
     * The first private key in PEM text, decrypted with {@code password} when it is encrypted; {@code source}
     * names it in errors. Reads every format {@link Pem#readPrivateKey(String, String, Optional)} does.
     */
    static PrivateKey readPrivateKey(String pem, String source, Optional<String> password) {
        boolean encryptedKey = false;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                    encryptedKey = true;
                    char[] secret = requirePassword(password, source);
                    return converter.getPrivateKey(decrypt(encrypted, secret));
                }
                if (object instanceof PEMEncryptedKeyPair encrypted) {
                    encryptedKey = true;
                    char[] secret = requirePassword(password, source);
                    // Lightweight decryptor: OpenSSL's legacy key derivation is not in the JDK providers.
                    return converter.getPrivateKey(encrypted.decryptKeyPair(
                            new BcPEMDecryptorProvider(secret)).getPrivateKeyInfo());
                }
            }
        } catch (PEMException | GeneralSecurityException e) {
            throw new IllegalArgumentException(source + (encryptedKey
                    ? ": cannot decrypt private key (wrong key password?): " : ": not a usable private key: ")
                    + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith(source)) {
                throw iae;
            }
            throw new IllegalArgumentException(source + ": not a readable PEM private key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(source + ": no PRIVATE KEY block found");
    }

    /*
     * The JDK decrypts PBES2 (PBKDF2 + AES) and the PKCS#12 PBE schemes itself; BouncyCastle's JCE
     * decryptor would ask for "AES/CBC/PKCS7Padding", which only the (unregistered) BC provider has.
     */
    private static PrivateKeyInfo decrypt(PKCS8EncryptedPrivateKeyInfo encrypted, char[] password)
            throws IOException, GeneralSecurityException {
        EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(encrypted.getEncoded());
        AlgorithmParameters parameters = info.getAlgParameters();
        // For PBES2 the parameters name the full scheme, e.g. PBEWithHmacSHA256AndAES_256.
        String algorithm = parameters != null ? parameters.toString() : info.getAlgName();
        SecretKey secret = SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(password));
        Cipher cipher = Cipher.getInstance(algorithm);
        cipher.init(Cipher.DECRYPT_MODE, secret, parameters);
        try {
            return PrivateKeyInfo.getInstance(info.getKeySpec(cipher).getEncoded());
        } catch (IllegalArgumentException e) {
            throw new InvalidKeyException("decrypted data is not a private key", e);
        }
    }

    private static char[] requirePassword(Optional<String> password, String source) {
        return password.map(String::toCharArray).orElseThrow(() -> new IllegalArgumentException(
                source + ": private key is encrypted and no key password is configured"));
    }

}
