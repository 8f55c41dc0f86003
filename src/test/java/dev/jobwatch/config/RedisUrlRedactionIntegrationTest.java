package dev.jobwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A Redis URL's password never reaches the logs or the start-up failure report, whether the URL is
 * refused by validation, cannot be parsed, or names a Redis that is not there; a failure names the
 * setting and what is wrong, never its text.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisUrlRedactionIntegrationTest {

    private static final String PASSWORD = "Pw-s3cret-9f2c";

    @Test
    void aUrlThatFailsValidationStopsTheStartWithoutItsPassword(CapturedOutput output) {
        for (String url : new String[] {
            "redis+sentinel://:" + PASSWORD + "@sentinel-0:26379,sentinel-1:26379/mymaster",
            "http://admin:" + PASSWORD + "@redis.example:6379",
            "redis://user:" + PASSWORD + "@[::1:6379",
            "redis://:" + PASSWORD + "@127.0.0.1:6379, redis://:" + PASSWORD + "@[::1",
            "redis://:" + PASSWORD + ",x@127.0.0.1:6379",
            "redis://:" + PASSWORD + " x@127.0.0.1:6379",
            "redis://default:" + PASSWORD + ",redis://x@127.0.0.1:6379",
            "rediss://:" + PASSWORD + "@"
        }) {
            assertThatThrownBy(() -> TestServer.startAndStop(
                            "jobwatch.redis.url=" + url,
                            "jobwatch.auth.tokens=producer-token-1",
                            "jobwatch.token.secret=test-secret-for-jobwatch-0123456789"))
                    .satisfies(error -> assertThat(trace(error))
                            .as("the failure of %s", url)
                            .doesNotContain(PASSWORD)
                            .contains("JOBWATCH_REDIS_URL"));
        }
        assertThat(output.getAll())
                .contains("JOBWATCH_REDIS_URL must be a redis:// or rediss:// URL")
                .contains(
                        "entry 1 of 2 is not redis[s]://[[user]:password@]host[:port][/database] (its text is not shown")
                .doesNotContain("sentinel-0", "x@127.0.0.1", PASSWORD);
    }

    @Test
    void aRedisThatIsNotThereIsLoggedWithoutThePassword(CapturedOutput output) {
        TestRedis gone = TestRedis.notStarted();
        String url = gone.url().replace("redis://", "redis://:" + PASSWORD + "@");
        TestServer.startAndStop(
                "jobwatch.redis.url=" + url,
                "jobwatch.auth.tokens=producer-token-1",
                "jobwatch.token.secret=test-secret-for-jobwatch-0123456789",
                "logging.level.dev.jobwatch=DEBUG",
                "logging.level.io.lettuce=DEBUG");
        assertThat(output.getAll()).contains("cannot be reached").doesNotContain(PASSWORD);
    }

    private static String trace(Throwable error) {
        StringWriter text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
