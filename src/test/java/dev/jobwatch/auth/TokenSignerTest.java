package dev.jobwatch.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.auth.TokenSigner.Purpose;
import dev.jobwatch.job.JobRef;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenSignerTest {

    private final TokenSigner signer = new TokenSigner("a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8));
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
        TokenSigner otherCluster = new TokenSigner("another-secret-entirely".getBytes(StandardCharsets.UTF_8));

        assertThat(signer.verify(Purpose.JOB, jobA, otherCluster.issue(Purpose.JOB, jobA))).isFalse();
        assertThat(signer.verify(Purpose.JOB, jobA, token.substring(0, token.length() - 1) + "A")).isFalse();
        assertThat(signer.verify(Purpose.JOB, jobA, "")).isFalse();
        assertThat(signer.verify(Purpose.JOB, jobA, null)).isFalse();
        assertThat(new TokenSigner("a-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8)).verify(Purpose.JOB, jobA, token))
                .as("another pod with the same secret accepts it").isTrue();
    }
}
