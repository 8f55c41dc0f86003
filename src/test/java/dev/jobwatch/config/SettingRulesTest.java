package dev.jobwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The rules between settings, on settings bound as the server binds them, without starting one. */
class SettingRulesTest {

    private static final String EXTERNAL = "redis://127.0.0.1:6379";
    private static final String PRODUCER = "producer-token-1";
    private static final String SECRET = "test-secret-for-jobwatch-0123456789";

    private static SettingRules rules(String... settings) {
        Map<String, String> map = new HashMap<>();
        for (String setting : settings) {
            int equals = setting.indexOf('=');
            map.put(setting.substring(0, equals), setting.substring(equals + 1));
        }
        Binder binder = new Binder(new MapConfigurationPropertySource(map));
        return new SettingRules(
                binder.bindOrCreate("jobwatch.redis", RedisProperties.class),
                binder.bindOrCreate("jobwatch", AuthProperties.class),
                binder.bindOrCreate("jobwatch.limit", LimitProperties.class),
                binder.bindOrCreate("jobwatch.retention", RetentionProperties.class),
                binder.bindOrCreate("jobwatch.watch", WatchProperties.class),
                binder.bindOrCreate("jobwatch.bullmq", BullMqProperties.class));
    }

    @Test
    void theDefaultsPassInLocalMode() {
        assertThatCode(() -> rules().check()).doesNotThrowAnyException();
    }

    @Test
    void theDefaultsPassWithAnExternalRedisGivenItsTokensAndSecret() {
        assertThatCode(() -> rules(
                                "jobwatch.redis.url=" + EXTERNAL,
                                "jobwatch.auth.tokens=" + PRODUCER,
                                "jobwatch.token.secret=" + SECRET)
                        .check())
                .doesNotThrowAnyException();
    }

    @Test
    void localModeTakesAnyProducerTokenAndNoSecret() {
        assertThatCode(() -> rules("jobwatch.auth.tokens=a,b@team-a").check()).doesNotThrowAnyException();
    }

    @Test
    void aProducerTokenIsMeasuredWithoutItsScope() {
        assertThatCode(() -> rules(
                                "jobwatch.redis.url=" + EXTERNAL,
                                "jobwatch.auth.tokens=" + PRODUCER + "@team-a",
                                "jobwatch.token.secret=" + SECRET)
                        .check())
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> rules(
                                "jobwatch.redis.url=" + EXTERNAL,
                                "jobwatch.auth.tokens=" + PRODUCER + ",producer-token@team-a-long-scope",
                                "jobwatch.token.secret=" + SECRET)
                        .check())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("entry 2 of 2");
    }

    @Test
    void aWatchPageOneByteLargerThanTheRowLimitPasses() {
        assertThatCode(() -> rules("jobwatch.limit.log=64KB", "jobwatch.watch.page=65537B")
                        .check())
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> rules("jobwatch.limit.log=64KB", "jobwatch.watch.page=64KB")
                        .check())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageStartingWith("JOBWATCH_WATCH_PAGE (64KB) must be larger than JOBWATCH_LIMIT_LOG (64KB)");
    }

    @Test
    void sizesAreNamedAsAnOperatorWritesThem() {
        assertThatThrownBy(() -> rules("jobwatch.limit.log=2MB", "jobwatch.retention.log=1500KB")
                        .check())
                .hasMessageStartingWith("JOBWATCH_RETENTION_LOG (1500KB) must be larger than JOBWATCH_LIMIT_LOG (2MB)");
        assertThatThrownBy(() -> rules("jobwatch.limit.log=1000B", "jobwatch.watch.page=1000B")
                        .check())
                .hasMessageStartingWith("JOBWATCH_WATCH_PAGE (1000B) must be larger than JOBWATCH_LIMIT_LOG (1000B)");
    }

    @Test
    void onARedisClusterTheBullMqPrefixMustBeAHashTag() {
        for (String prefix : new String[] {"{bull}", "app{bull}", "{b}:x"}) {
            assertThatCode(() -> bullMqOnACluster(prefix).check()).as(prefix).doesNotThrowAnyException();
        }
        for (String prefix : new String[] {"bull", "{}bull", "{bull", "bull}"}) {
            assertThatThrownBy(() -> bullMqOnACluster(prefix).check())
                    .as(prefix)
                    .isInstanceOf(InvalidSettingException.class)
                    .hasMessageStartingWith("JOBWATCH_BULLMQ_PREFIX (" + prefix + ") must be a hash tag");
        }
    }

    private static SettingRules bullMqOnACluster(String prefix) {
        return rules(
                "jobwatch.redis.url=redis://127.0.0.1:7000,redis://127.0.0.1:7001",
                "jobwatch.auth.tokens=" + PRODUCER,
                "jobwatch.token.secret=" + SECRET,
                "jobwatch.bullmq.queues=*",
                "jobwatch.bullmq.prefix=" + prefix);
    }

    @Test
    void anyBullMqPrefixWorksOnOneRedisOrWithTheSourceOff() {
        assertThatCode(() -> rules("jobwatch.bullmq.queues=*", "jobwatch.bullmq.prefix=bull")
                        .check())
                .doesNotThrowAnyException();
        assertThatCode(() -> rules(
                                "jobwatch.redis.url=redis://127.0.0.1:7000,redis://127.0.0.1:7001",
                                "jobwatch.auth.tokens=" + PRODUCER,
                                "jobwatch.token.secret=" + SECRET,
                                "jobwatch.bullmq.prefix=bull")
                        .check())
                .doesNotThrowAnyException();
    }

    @Test
    void theFailureReportSaysWhichVariablesToChange() {
        InvalidSettingException conflict =
                new InvalidSettingException(List.of("JOBWATCH_WATCH_PAGE", "JOBWATCH_LIMIT_LOG"), "they disagree");
        assertThat(new InvalidSettingFailureAnalyzer().analyze(conflict).getAction())
                .startsWith("Change JOBWATCH_WATCH_PAGE or JOBWATCH_LIMIT_LOG so that they agree");
        InvalidSettingException unset = new InvalidSettingException("JOBWATCH_TOKEN_SECRET", "is not set");
        assertThat(new InvalidSettingFailureAnalyzer().analyze(unset).getAction())
                .startsWith("Set the environment variable JOBWATCH_TOKEN_SECRET");
    }
}
