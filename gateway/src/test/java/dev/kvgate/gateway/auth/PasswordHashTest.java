package dev.kvgate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHashTest {
    @Test
    void aHashMatchesItsPasswordOnly() {
        PasswordHash hash = PasswordHash.parse(PasswordHash.hash("secret".toCharArray(), 1_000));
        assertTrue(hash.matches("secret".toCharArray()));
        assertFalse(hash.matches("Secret".toCharArray()));
    }

    @Test
    void theDecoyMatchesNoPassword() {
        PasswordHash decoy = PasswordHash.decoy(1_000);
        for (String password : new String[] {"", "decoy", "secret"}) {
            assertFalse(decoy.matches(password.toCharArray()), password);
        }
    }
}
