package dev.kvgate.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;

/** The key algorithms kvgate certificates use: RSA 2048 and ECDSA on P-256. */
public enum KeyType {
    RSA("RSA", "SHA256withRSA"),
    EC("EC", "SHA256withECDSA");

    private static final int RSA_BITS = 2048;
    private static final String EC_CURVE = "secp256r1";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String jcaName;
    private final String signatureAlgorithm;

    KeyType(String jcaName, String signatureAlgorithm) {
        this.jcaName = jcaName;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** A fresh key pair from the JDK's own providers. */
    public KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaName);
            if (this == RSA) {
                generator.initialize(RSA_BITS, RANDOM);
            } else {
                generator.initialize(new ECGenParameterSpec(EC_CURVE), RANDOM);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + this + " key pair", e);
        }
    }

    /** The JCA signature algorithm a key of this type signs certificates with. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    /** The type of an existing key, by its JCA algorithm name. */
    public static KeyType of(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> RSA;
            case "EC", "ECDSA" -> EC;
            default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
        };
    }
}
