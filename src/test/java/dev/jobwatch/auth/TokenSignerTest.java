package dev.jobwatch.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.auth.TokenSigner.Purpose;
import dev.jobwatch.job.JobRef;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TokenSignerTest {

    private static final String FIRST = "AAAAAAAAAAAAAAAA";
    private static final String LATER = "BBBBBBBBBBBBBBBB";

    private final TokenSigner signer =
            new TokenSigner("a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8), null, Clock.systemUTC());
    private final JobRef jobA = new JobRef("queue", "a");

    @Test
    void aTokenOpensOnlyItsJobAndItsPurposeAndNamesItsIncarnation() {
        String token = signer.issue(Purpose.JOB, jobA, FIRST);

        assertThat(token).matches(FIRST + "\\.[A-Za-z0-9_-]{43}");
        assertThat(signer.verify(Purpose.JOB, jobA, token)).isEqualTo(FIRST);
        assertThat(signer.verify(Purpose.JOB, new JobRef("queue", "b"), token)).isNull();
        assertThat(signer.verify(Purpose.JOB, new JobRef("queue2", "a"), token)).isNull();
        assertThat(signer.verify(Purpose.WATCH, jobA, token)).isNull();
    }

    @Test
    void theIncarnationIsSignedSoATokenCannotBeMovedToALaterJob() {
        String token = signer.issue(Purpose.WATCH, jobA, FIRST);
        String moved = LATER + token.substring(token.indexOf('.'));

        assertThat(signer.verify(Purpose.WATCH, jobA, moved)).isNull();
        assertThat(signer.verify(Purpose.WATCH, jobA, signer.issue(Purpose.WATCH, jobA, LATER)))
                .isEqualTo(LATER);
    }

    @Test
    void forgedAndForeignTokensAreRefused() {
        String token = signer.issue(Purpose.JOB, jobA, FIRST);
        TokenSigner otherCluster =
                new TokenSigner("another-secret-entirely".getBytes(StandardCharsets.UTF_8), null, Clock.systemUTC());

        assertThat(signer.verify(Purpose.JOB, jobA, otherCluster.issue(Purpose.JOB, jobA, FIRST)))
                .isNull();
        assertThat(signer.verify(Purpose.JOB, jobA, token.substring(0, token.length() - 1) + "A"))
                .isNull();
        assertThat(signer.verify(Purpose.JOB, jobA, token.substring(token.indexOf('.') + 1)))
                .as("the bare MAC")
                .isNull();
        assertThat(signer.verify(Purpose.JOB, jobA, "")).isNull();
        assertThat(signer.verify(Purpose.JOB, jobA, null)).isNull();
        assertThat(new TokenSigner("a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8), null, Clock.systemUTC())
                        .verify(Purpose.JOB, jobA, token))
                .as("another pod with the same secret accepts it")
                .isEqualTo(FIRST);
    }

    @Test
    void withATimeToLiveATokenCarriesItsSignedExpiryAndIsRefusedAfterIt() {
        MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
        TokenSigner expiring = new TokenSigner(
                "a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(10), clock);
        String token = expiring.issue(Purpose.JOB, jobA, FIRST);
        long expiry = Instant.parse("2026-01-01T00:10:00Z").getEpochSecond();

        assertThat(token).startsWith(FIRST + "." + expiry + ".");
        assertThat(expiring.verify(Purpose.JOB, jobA, token)).isEqualTo(FIRST);
        assertThat(expiring.verify(Purpose.WATCH, jobA, token)).isNull();
        assertThat(expiring.verify(Purpose.JOB, new JobRef("queue", "b"), token))
                .isNull();
        String pushedBack = token.replace("." + expiry + ".", "." + (expiry + 3600) + ".");
        assertThat(expiring.verify(Purpose.JOB, jobA, pushedBack))
                .as("an expiry moved later breaks the MAC")
                .isNull();

        clock.now = Instant.parse("2026-01-01T00:09:59Z");
        assertThat(expiring.verify(Purpose.JOB, jobA, token)).isEqualTo(FIRST);
        clock.now = Instant.parse("2026-01-01T00:10:00Z");
        assertThat(expiring.verify(Purpose.JOB, jobA, token))
                .as("at its expiry")
                .isNull();
    }

    @Test
    void tokensWithoutExpiryKeepWorkingUntilATimeToLiveIsSet() {
        String plain = signer.issue(Purpose.JOB, jobA, FIRST);
        String mac = plain.substring(plain.indexOf('.') + 1);
        MovableClock clock = new MovableClock(Instant.now());
        TokenSigner expiring = new TokenSigner(
                "a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(10), clock);

        assertThat(plain.chars().filter(c -> c == '.')).hasSize(1);
        assertThat(expiring.verify(Purpose.JOB, jobA, plain))
                .as("a token that never expires, once expiry is required")
                .isNull();
        assertThat(signer.verify(Purpose.JOB, jobA, expiring.issue(Purpose.JOB, jobA, FIRST)))
                .as("an expiring token still holds on a pod without a time to live")
                .isEqualTo(FIRST);
        for (String junk : new String[] {
            ".",
            "1.",
            ".x",
            FIRST + ".",
            FIRST + "..",
            FIRST + ".-5." + mac,
            FIRST + ".9999999999999." + mac,
            FIRST + ".12a." + mac,
            FIRST + ".1.2." + mac,
            "a b." + mac,
            "x".repeat(65) + "." + mac
        }) {
            assertThat(expiring.verify(Purpose.JOB, jobA, junk)).as(junk).isNull();
            assertThat(signer.verify(Purpose.JOB, jobA, junk)).as(junk).isNull();
        }
    }

    /** A clock the test moves. */
    private static final class MovableClock extends Clock {

        Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
