package dev.jobwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.SharedTestCluster;
import dev.jobwatch.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.NestedExceptionUtils;

/**
 * A server whose settings break a rule between them does not start, and says which variables to change
 * and why; no setting is quietly changed to make a rule hold. (The auth rules' starts are in
 * {@code auth.StartupChecksIntegrationTest}.)
 */
class SettingRulesIntegrationTest {

    /** A Redis that answers, so that a start fails only for the settings under test. */
    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private static String[] settings(String redisUrl, String... more) {
        List<String> all = new ArrayList<>(List.of(
                "jobwatch.redis.url=" + redisUrl,
                "jobwatch.auth.tokens=producer-token-1",
                "jobwatch.token.secret=test-secret-for-jobwatch-0123456789"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void theDefaultSettingsStart() {
        TestServer.startAndStop("jobwatch.redis.url=");
        TestServer.startAndStop(settings(redis.url()));
    }

    @Test
    void aLogRetentionNoLargerThanTheLogRowLimitStopsTheStart() {
        assertThatThrownBy(() -> TestServer.startAndStop(settings(redis.url(), "jobwatch.retention.log=64KB")))
                .satisfies(error -> {
                    assertThat(invalid(error).variables())
                            .containsExactly("JOBWATCH_RETENTION_LOG", "JOBWATCH_LIMIT_LOG");
                    assertThat(invalid(error).getMessage())
                            .startsWith("JOBWATCH_RETENTION_LOG (64KB) must be larger than JOBWATCH_LIMIT_LOG (64KB)");
                });
    }

    @Test
    void aWatchPageNoLargerThanTheLogRowLimitStopsTheStart() {
        assertThatThrownBy(() -> TestServer.startAndStop(settings(redis.url(), "jobwatch.watch.page=64KB")))
                .satisfies(error -> {
                    assertThat(invalid(error).variables()).containsExactly("JOBWATCH_WATCH_PAGE", "JOBWATCH_LIMIT_LOG");
                    assertThat(invalid(error).getMessage())
                            .startsWith("JOBWATCH_WATCH_PAGE (64KB) must be larger than JOBWATCH_LIMIT_LOG (64KB)");
                });
    }

    /** The page used to be raised to the row limit without a word; now the operator hears of it. */
    @Test
    void aLogRowLimitAboveTheDefaultWatchPageStopsTheStart() {
        assertThatThrownBy(() -> TestServer.startAndStop(settings(redis.url(), "jobwatch.limit.log=2MB")))
                .satisfies(error -> assertThat(invalid(error).getMessage())
                        .startsWith("JOBWATCH_WATCH_PAGE (1MB) must be larger than JOBWATCH_LIMIT_LOG (2MB)"));
    }

    @Test
    void aBullMqPrefixThatIsNoHashTagStopsTheStartOnARedisCluster() {
        assertThatThrownBy(() -> TestServer.startAndStop(
                        settings(SharedTestCluster.seeds(), "jobwatch.bullmq.queues=*", "jobwatch.bullmq.prefix=bull")))
                .satisfies(error -> {
                    assertThat(invalid(error).variables()).containsExactly("JOBWATCH_BULLMQ_PREFIX");
                    assertThat(invalid(error).getMessage())
                            .startsWith(
                                    "JOBWATCH_BULLMQ_PREFIX (bull) must be a hash "
                                            + "tag such as {bull} on a Redis Cluster (JOBWATCH_REDIS_CLUSTER, or a JOBWATCH_REDIS_URL");
                });
        TestServer.startAndStop(
                settings(SharedTestCluster.seeds(), "jobwatch.bullmq.queues=*", "jobwatch.bullmq.prefix={bull}"));
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void theFailureReportNamesBothVariablesAndWhatToDo(CapturedOutput output) {
        assertThatThrownBy(() -> TestServer.startAndStop(settings(redis.url(), "jobwatch.limit.log=2MB")));

        assertThat(output.getAll())
                .contains(
                        "APPLICATION FAILED TO START",
                        "JOBWATCH_WATCH_PAGE (1MB) must be larger than JOBWATCH_LIMIT_LOG (2MB)",
                        "Change JOBWATCH_WATCH_PAGE or JOBWATCH_LIMIT_LOG so that they agree");
    }

    private static InvalidSettingException invalid(Throwable error) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(error);
        assertThat(cause).isInstanceOf(InvalidSettingException.class);
        return (InvalidSettingException) cause;
    }
}
