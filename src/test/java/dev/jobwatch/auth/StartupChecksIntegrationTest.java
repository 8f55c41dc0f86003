package dev.jobwatch.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobwatch.JobwatchApplication;
import dev.jobwatch.config.MissingSettingException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.NestedExceptionUtils;
import redis.embedded.RedisServer;

/** With an external Redis, the server refuses to start open or with a per-process secret. */
class StartupChecksIntegrationTest {

    /** A Redis that answers, so that a start fails only for the setting under test. */
    private static RedisServer ownRedis;
    private static String external;

    @BeforeAll
    static void redis() throws IOException {
        String url = System.getenv("REDIS_URL");
        if (url == null || url.isBlank()) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            ownRedis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"").build();
            ownRedis.start();
            url = "redis://127.0.0.1:" + port;
        }
        external = "jobwatch.redis.url=" + url;
    }

    @AfterAll
    static void stopRedis() throws IOException {
        if (ownRedis != null) {
            ownRedis.stop();
        }
    }

    @Test
    void anExternalRedisWithoutProducerTokensStopsTheStart() {
        assertThatThrownBy(() -> start(external, "jobwatch.token.secret=test-secret-for-jobwatch-0123456789"))
                .satisfies(error -> assertThat(missing(error).variable()).isEqualTo("JOBWATCH_AUTH_TOKENS"));
    }

    @Test
    void anExternalRedisWithoutATokenSecretStopsTheStart() {
        assertThatThrownBy(() -> start(external, "jobwatch.auth.tokens=p1"))
                .satisfies(error -> assertThat(missing(error).variable()).isEqualTo("JOBWATCH_TOKEN_SECRET"));
    }

    @Test
    void aShortTokenSecretStopsTheStart() {
        assertThatThrownBy(() -> start(external, "jobwatch.auth.tokens=p1", "jobwatch.token.secret=short"))
                .satisfies(error -> assertThat(missing(error).getMessage()).contains("at least 16"));
    }

    private static void start(String... properties) {
        new SpringApplicationBuilder(JobwatchApplication.class)
                .properties(properties)
                .properties("server.port=0")
                .run()
                .close();
    }

    private static MissingSettingException missing(Throwable error) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(error);
        assertThat(cause).isInstanceOf(MissingSettingException.class);
        return (MissingSettingException) cause;
    }
}
