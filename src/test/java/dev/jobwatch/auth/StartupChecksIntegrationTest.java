package dev.jobwatch.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.config.InvalidSettingException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.NestedExceptionUtils;

/**
 * With an external Redis, the server refuses to start open or with a per-process secret; in local mode
 * it starts open and says so at every start.
 */
class StartupChecksIntegrationTest {

    private static final String PRODUCER = "producer-token-1";
    private static final String SECRET = "test-secret-for-jobwatch-0123456789";

    /** A Redis that answers, so that a start fails only for the setting under test. */
    private static TestRedis.Lease redis;

    private static String external;

    @BeforeAll
    static void redis() {
        redis = TestRedis.fromEnvironment();
        external = "jobwatch.redis.url=" + redis.url();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void anExternalRedisWithoutProducerTokensStopsTheStart() {
        assertThatThrownBy(() -> TestServer.startAndStop(external, "jobwatch.token.secret=" + SECRET))
                .satisfies(error -> {
                    assertThat(invalid(error).variables()).containsExactly("JOBWATCH_AUTH_TOKENS");
                    assertThat(invalid(error).getMessage())
                            .startsWith("JOBWATCH_AUTH_TOKENS is not set")
                            .contains("external Redis (JOBWATCH_REDIS_URL)");
                });
    }

    @Test
    void anExternalRedisWithoutATokenSecretStopsTheStart() {
        assertThatThrownBy(() -> TestServer.startAndStop(external, "jobwatch.auth.tokens=" + PRODUCER))
                .satisfies(error -> {
                    assertThat(invalid(error).variables()).containsExactly("JOBWATCH_TOKEN_SECRET");
                    assertThat(invalid(error).getMessage())
                            .startsWith("JOBWATCH_TOKEN_SECRET is not set")
                            .contains("external Redis (JOBWATCH_REDIS_URL)");
                });
    }

    @Test
    void localModeTakesShortProducerTokens() {
        TestServer.startAndStop("jobwatch.redis.url=", "jobwatch.auth.tokens=short@team-a");
    }

    @Test
    void aShortTokenSecretStopsTheStart() {
        assertThatThrownBy(() -> TestServer.startAndStop(
                        external, "jobwatch.auth.tokens=" + PRODUCER, "jobwatch.token.secret=short"))
                .satisfies(error -> assertThat(invalid(error).getMessage()).contains("at least 16"));
    }

    @Test
    void anExternalRedisWithAShortProducerTokenStopsTheStartWithoutLoggingIt() {
        assertThatThrownBy(() -> TestServer.startAndStop(
                        external,
                        "jobwatch.auth.tokens=" + PRODUCER + ",short-secret-15@team-a",
                        "jobwatch.token.secret=" + SECRET))
                .satisfies(error -> {
                    assertThat(invalid(error).variables()).containsExactly("JOBWATCH_AUTH_TOKENS");
                    assertThat(invalid(error).getMessage())
                            .contains("shorter than 16", "entry 2 of 2", "JOBWATCH_REDIS_URL")
                            .doesNotContain("short-secret-15");
                });
    }

    @Test
    void aNamespaceScopeThatIsNotOneStopsTheStart() {
        for (String tokens : new String[] {
            PRODUCER + "@",
            PRODUCER + "@team-a|",
            PRODUCER + "@a/b",
            PRODUCER + "@x*y",
            "@team-a",
            PRODUCER + "@team-a@team-b"
        }) {
            assertThatThrownBy(() -> TestServer.startAndStop(
                            external, "jobwatch.auth.tokens=" + tokens, "jobwatch.token.secret=" + SECRET))
                    .as(tokens)
                    .satisfies(error -> assertThat(invalid(error).variables()).containsExactly("JOBWATCH_AUTH_TOKENS"));
        }
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void localModeSaysAtEveryStartThatItRunsOpen(CapturedOutput output) {
        TestServer.startAndStop("jobwatch.redis.url=");
        TestServer.startAndStop("jobwatch.redis.url=");

        assertThat(output.getAll().lines().filter(line -> line.contains(" WARN ")))
                .filteredOn(line -> line.contains("JOBWATCH_AUTH_TOKENS is not set: local mode, producer routes"))
                .as("one WARN per start that producer routes are open")
                .hasSize(2);
        assertThat(output.getAll().lines().filter(line -> line.contains(" WARN ")))
                .filteredOn(line -> line.contains("JOBWATCH_TOKEN_SECRET is not set: local mode"))
                .as("one WARN per start that tokens are signed with a random secret")
                .hasSize(2);
        assertThat(output.getAll().lines().filter(line -> line.contains(" WARN ")))
                .filteredOn(line -> line.contains("Watchers are OPEN (JOBWATCH_WATCH_AUTH is not set: local mode)"))
                .as("one WARN per start that watchers need no token")
                .hasSize(2);
    }

    private static InvalidSettingException invalid(Throwable error) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(error);
        assertThat(cause).isInstanceOf(InvalidSettingException.class);
        return (InvalidSettingException) cause;
    }
}
