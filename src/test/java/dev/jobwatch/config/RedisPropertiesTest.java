package dev.jobwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which Redis URLs start a pod, and what a refusal and a log line show of one that holds a password. */
class RedisPropertiesTest {

    private static final String PASSWORD = "Pw-s3cret-9f2c";

    @Test
    void theUrlsOperatorsWriteAreTaken() {
        assertThat(redis("redis://127.0.0.1:6379").urls()).containsExactly("redis://127.0.0.1:6379");
        assertThat(redis("rediss://user:" + PASSWORD + "@redis.example.com:6380/2?timeout=5s")
                        .urls())
                .hasSize(1);
        assertThat(redis("redis://:p%2Cw%20d%40x@[::1]:6379").urls()).hasSize(1);
        assertThat(redis(" redis://:pw@node-0:6379 , redis://:pw@node-1:6379,redis://node-2")
                        .urls())
                .containsExactly("redis://:pw@node-0:6379", "redis://:pw@node-1:6379", "redis://node-2");
    }

    @Test
    void aUrlThatIsNotOneIsRefusedByItsPositionNeverItsText() {
        for (String url : new String[] {
            "redis://:" + PASSWORD + ",x@127.0.0.1:6379",
            "redis://default:" + PASSWORD + ",redis://x@127.0.0.1:6379",
            "redis://:" + PASSWORD + " x@127.0.0.1:6379",
            "redis://127.0.0.1:6379,",
            "http://:" + PASSWORD + "@127.0.0.1:6379"
        }) {
            assertThatThrownBy(() -> redis(url).urls())
                    .as(url)
                    .isInstanceOf(InvalidSettingException.class)
                    .hasMessageStartingWith("JOBWATCH_REDIS_URL must be a redis:// or rediss:// URL")
                    .hasMessageContaining("entry ")
                    .hasMessageNotContaining(PASSWORD)
                    .hasMessageNotContaining("127.0.0.1");
        }
    }

    @Test
    void aUrlIsPrintedWithoutItsUserAndPasswordWhateverThePasswordHolds() {
        for (String url : new String[] {
            "redis://:" + PASSWORD + "@127.0.0.1:6379",
            "redis://user:" + PASSWORD + ",x y/z@127.0.0.1:6379",
            "redis://127.0.0.1:6379,redis://:" + PASSWORD + "@[::1]:6379",
            "redis://127.0.0.1:6379?password=" + PASSWORD
        }) {
            assertThat(redis(url).toString()).as(url).doesNotContain(PASSWORD).contains("6379");
        }
    }

    private static RedisProperties redis(String url) {
        return new RedisProperties(url, false, "jobwatch", Duration.ofSeconds(2));
    }
}
