package dev.kvgate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ClientIdentityTest {

    private static ClientIdentity identity(String subject, List<String> dns, List<String> uris) {
        return new ClientIdentity("TLSv1.3", "TLS_AES_128_GCM_SHA256", Optional.empty(), Optional.of(subject),
                Optional.empty(), dns, List.of(), uris);
    }

    @Test
    void describesSubjectAndSansAsBefore() {
        assertEquals("client CN=app,O=kvgate [DNS:app.example, URI:spiffe://kvgate.test/app]",
                identity("CN=app,O=kvgate", List.of("app.example"), List.of("spiffe://kvgate.test/app"))
                        .describeClient());
    }

    @Test
    void certificateFieldsCannotBreakTheLogLine() {
        // A CA signs what it is asked to: the names are still the client's words.
        String described = identity("CN=evil\n1999-12-31 INFO forged", List.of("a\u202eb.example"),
                List.of("spiffe://x/\u001b[2J")).describeClient();
        assertEquals("client CN=evil\\n1999-12-31 INFO forged [DNS:a\\u202eb.example, URI:spiffe://x/\\x1b[2J]",
                described);
    }

    @Test
    void longFieldsAreCutAndOnlyTheFirstSansListed() {
        List<String> dns = IntStream.range(0, 50).mapToObj(i -> "n" + i + ".example").toList();
        String described = identity("CN=" + "x".repeat(1000), dns, List.of()).describeClient();
        assertEquals("client CN=" + "x".repeat(253) + "...(+747) [DNS:n0.example, DNS:n1.example, DNS:n2.example, "
                + "DNS:n3.example, DNS:n4.example, DNS:n5.example, DNS:n6.example, DNS:n7.example, ...(+42 more)]",
                described);
    }
}
