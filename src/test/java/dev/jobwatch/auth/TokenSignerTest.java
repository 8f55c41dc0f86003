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

    private final TokenSigner signer = new TokenSigner("a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8), null, Clock.systemUTC());
    private final JobRef jobA = new JobRef("queue", "a");

    @Test
    void aTokenOpensOnlyItsJobAndItsPurpose() {
        String token = signer.issue(Purpose.JOB, jobA);

        assertThat(signer.verify(Purpose.JOB, jobA, token)).isTrue();
        assertThat(signer.verify(Purpose.JOB, new JobRef("queue", "b"), token)).isFalse();
        assertThat(signer.verify(Purpose.JOB, new JobRef("queue2", "a"), token)).isFalse();
        assertThat(signer.verify(Purpose.WATCH, jobA, token)).isFalse();
    }

    @Test
    void forgedAndForeignTokensAreRefused() {
        String token = signer.issue(Purpose.JOB, jobA);
        TokenSigner otherCluster = new TokenSigner("another-secret-entirely".getBytes(StandardCharsets.UTF_8), null, Clock.systemUTC());

        assertThat(signer.verify(Purpose.JOB, jobA, otherCluster.issue(Purpose.JOB, jobA))).isFalse();
        assertThat(signer.verify(Purpose.JOB, jobA, token.substring(0, token.length() - 1) + "A")).isFalse();
        assertThat(signer.verify(Purpose.JOB, jobA, "")).isFalse();
        assertThat(signer.verify(Purpose.JOB, jobA, null)).isFalse();
        assertThat(new TokenSigner("a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8), null, Clock.systemUTC()).verify(Purpose.JOB, jobA, token))
                .as("another pod with the same secret accepts it").isTrue();
    }
    @Test
    void withATimeToLiveATokenCarriesItsSignedExpiryAndIsRefusedAfterIt() {
        MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
        TokenSigner expiring = new TokenSigner("a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(10), clock);
        String token = expiring.issue(Purpose.JOB, jobA);

        assertThat(token).startsWith(Instant.parse("2026-01-01T00:10:00Z").getEpochSecond() + ".");
        assertThat(expiring.verify(Purpose.JOB, jobA, token)).isTrue();
        assertThat(expiring.verify(Purpose.WATCH, jobA, token)).isFalse();
        assertThat(expiring.verify(Purpose.JOB, new JobRef("queue", "b"), token)).isFalse();
        String pushedBack = (Long.parseLong(token.substring(0, token.indexOf('.'))) + 3600) + token.substring(token.indexOf('.'));
        assertThat(expiring.verify(Purpose.JOB, jobA, pushedBack)).as("an expiry moved later breaks the MAC").isFalse();

        clock.now = Instant.parse("2026-01-01T00:09:59Z");
        assertThat(expiring.verify(Purpose.JOB, jobA, token)).isTrue();
        clock.now = Instant.parse("2026-01-01T00:10:00Z");
        assertThat(expiring.verify(Purpose.JOB, jobA, token)).as("at its expiry").isFalse();
    }

    @Test
    void tokensWithoutExpiryKeepWorkingUntilATimeToLiveIsSet() {
        String plain = signer.issue(Purpose.JOB, jobA);
        MovableClock clock = new MovableClock(Instant.now());
        TokenSigner expiring = new TokenSigner("a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(10), clock);

        assertThat(plain).doesNotContain(".");
        assertThat(expiring.verify(Purpose.JOB, jobA, plain)).as("a token that never expires, once expiry is required").isFalse();
        assertThat(signer.verify(Purpose.JOB, jobA, expiring.issue(Purpose.JOB, jobA)))
                .as("an expiring token still holds on a pod without a time to live").isTrue();
        for (String junk : new String[] {".", "1.", ".x", "-5." + plain, "9999999999999." + plain, "12a." + plain, "1.2." + plain}) {
            assertThat(expiring.verify(Purpose.JOB, jobA, junk)).as(junk).isFalse();
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
