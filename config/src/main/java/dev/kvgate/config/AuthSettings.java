package dev.kvgate.config;

import java.util.List;

/** Client authentication on the front: which methods are accepted, SASL users, certificate identities. */
public record AuthSettings(
        Mode mode,
        boolean allowPlainOnPlaintext,
        List<User> users,
        List<CertificateUser> certificateUsers) {

    /** Which ways of authenticating a connection are accepted. */
    public enum Mode { NONE, SASL, CERTIFICATE, SASL_OR_CERTIFICATE }

    /**
     * A SASL user and the salted hash of its password, {@code pbkdf2-sha256$ITERATIONS$SALT$HASH}
     * (salt and hash base64).
     */
    public record User(String name, String passwordHash) {
        @Override
        public String toString() {
            return "User[" + name + "]";
        }
    }

    /** A client certificate identity (CN, DNS/IP SAN or URI SAN) accepted as {@code user}. */
    public record CertificateUser(String identity, String user) {
    }

    public AuthSettings {
        users = List.copyOf(users);
        certificateUsers = List.copyOf(certificateUsers);
    }

    public boolean saslEnabled() {
        return mode == Mode.SASL || mode == Mode.SASL_OR_CERTIFICATE;
    }

    public boolean certificateEnabled() {
        return mode == Mode.CERTIFICATE || mode == Mode.SASL_OR_CERTIFICATE;
    }
}
