package dev.jobwatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.JobwatchApplication;
import dev.jobwatch.SharedRedis;
import dev.jobwatch.auth.Access;
import dev.jobwatch.job.Credential;
import dev.jobwatch.job.JobRef;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The auth settings live in one record, under the environment variables they always had: a server
 * started with only environment variables (as a pod is) reads them all, and the other watch settings
 * still bind beside {@code JOBWATCH_WATCH_AUTH}.
 */
class AuthPropertiesIntegrationTest {

    private static final String SECRET = "env-secret-for-jobwatch-0123456789";

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void theEnvironmentVariablesBindAsTheyAlwaysDid() {
        Map<String, Object> environment = Map.of(
                "JOBWATCH_REDIS_URL", redis.url(),
                "JOBWATCH_AUTH_TOKENS", "env-producer-token-1, env-producer-token-2@team-a",
                "JOBWATCH_TOKEN_SECRET", SECRET,
                "JOBWATCH_TOKEN_TTL", "90s",
                "JOBWATCH_WATCH_AUTH", "open",
                "JOBWATCH_WATCH_CADENCE", "250ms",
                "SERVER_PORT", "0");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(JobwatchApplication.class)
                .initializers(starting -> starting.getEnvironment()
                        .getPropertySources()
                        .replace(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                new SystemEnvironmentPropertySource(
                                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, environment)))
                .run()) {
            AuthProperties auth = context.getBean(AuthProperties.class);
            assertThat(auth.producerTokens()).containsExactly("env-producer-token-1", "env-producer-token-2@team-a");
            assertThat(auth.token().secret()).isEqualTo(SECRET);
            assertThat(auth.token().ttl()).isEqualTo(Duration.ofSeconds(90));
            assertThat(auth.watch().auth()).isEqualTo(AuthProperties.WatchAuth.OPEN);
            assertThat(auth.toString())
                    .as("what a report of the settings would print")
                    .doesNotContain(SECRET);
            assertThat(context.getBean(WatchProperties.class).cadence()).isEqualTo(Duration.ofMillis(250));

            Access access = context.getBean(Access.class);
            assertThat(access.reader("env-producer-token-1", new JobRef("team-b", "any")))
                    .isEqualTo(Credential.PRODUCER);
            assertThat(access.reader("env-producer-token-2", new JobRef("team-a", "any")))
                    .isEqualTo(Credential.PRODUCER);
            assertThat(access.reader("env-producer-token-2", new JobRef("team-b", "any")))
                    .isNotEqualTo(Credential.PRODUCER);
        }
    }
}
