package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** A {@code Host} is read as RFC 3986's host and optional port, written here as a regular expression. */
class StrictRequestsTest {

    private static final Pattern HOST_AND_PORT =
            Pattern.compile("(\\[[0-9A-Za-z:._~!$&'()*+,;=-]+]|[0-9A-Za-z._~%!$&'()*+,;=-]*)(:[0-9]*)?");
    private static final String CHARACTERS = "aZ09[]:._~%!$&'()*+,;=-/@ #?\\\u00e9\u0000\u00ff";

    @Property(tries = 20_000)
    void aHostIsReadAsTheExpressionReadsIt(@ForAll("hosts") String host) {
        assertThat(StrictRequests.isHostAndPort(host))
                .as(host)
                .isEqualTo(HOST_AND_PORT.matcher(host).matches());
    }

    @Example
    void theUsualHostsAreHostsAndTheOthersAreNot() {
        for (String host : new String[] {
            "localhost", "127.0.0.1:8080", "[::1]:8080", "[::1]", "jobwatch.example.com", "", "a:", "%41b"
        }) {
            assertThat(StrictRequests.isHostAndPort(host)).as(host).isTrue();
        }
        for (String host : new String[] {"local host", "a/b", "[]", "[::1", "[::1]x", "a:b", "a:1:2", "[%41]", "é"}) {
            assertThat(StrictRequests.isHostAndPort(host)).as(host).isFalse();
        }
    }

    @Provide
    Arbitrary<String> hosts() {
        Arbitrary<String> any = Arbitraries.strings().withChars(CHARACTERS).ofMaxLength(12);
        Arbitrary<String> bracketed = any.map(inside -> "[" + inside);
        Arbitrary<String> withPort = Arbitraries.strings()
                .withChars("0123456789:a")
                .ofMaxLength(4)
                .flatMap(port -> any.map(host -> host + ":" + port));
        return Arbitraries.oneOf(any, bracketed, withPort);
    }
}
