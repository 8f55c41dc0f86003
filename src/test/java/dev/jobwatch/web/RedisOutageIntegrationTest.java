package dev.jobwatch.web;

import static org.awaitility.Awaitility.await;

import dev.jobwatch.JobwatchApplication;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import redis.embedded.RedisServer;

/** Runs its own Redis process, so that it can stop and start it under a running server. */
class RedisOutageIntegrationTest {

    private RedisServer redis;
    private ConfigurableApplicationContext server;

    @Test
    void redisDownGives503AndTheServerRecoversWhenItReturns() throws IOException {
        int redisPort = freePort();
        redis = redisOn(redisPort);
        redis.start();
        server = new SpringApplicationBuilder(JobwatchApplication.class).properties(
                "jobwatch.redis.url=redis://127.0.0.1:" + redisPort,
                "jobwatch.redis.timeout=1s",
                "jobwatch.auth.tokens=producer-token-1",
                "jobwatch.token.secret=test-secret-for-jobwatch-0123456789",
                "server.port=0").run();
        WorkerApiClient api = new WorkerApiClient(server.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
        String token = api.add("before");

        redis.stop();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                api.post(api.job("before") + "/logs", token, MediaType.TEXT_PLAIN, "lost?")
                        .expectStatus().isEqualTo(503)
                        .expectBody(String.class).isEqualTo("Redis is unavailable; try again shortly"));
        api.get(api.job("before"), WorkerApiClient.PRODUCER).expectStatus().isEqualTo(503);

        redis = redisOn(redisPort);
        redis.start();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                api.get(api.job("nothing-yet"), WorkerApiClient.PRODUCER).expectStatus().isNotFound());
        String after = api.add("after");
        api.log("after", after, "written after the restart");
        api.post(api.job("after") + "/complete", after, MediaType.APPLICATION_JSON, "{\"success\":true}").expectStatus().isOk();
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (redis != null && redis.isActive()) {
            redis.stop();
        }
    }

    private static RedisServer redisOn(int port) throws IOException {
        return RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"").setting("appendonly no").build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
