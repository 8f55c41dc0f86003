package dev.jobwatch.web;

import static org.awaitility.Awaitility.await;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/** Runs its own Redis process, so that it can stop and start it under a running server. */
class RedisOutageIntegrationTest {

    @Test
    void redisDownGives503AndTheServerRecoversWhenItReturns() {
        try (TestRedis redis = new TestRedis(); TestServer server = new TestServer(redis.url(), "jobwatch.redis.timeout=1s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("before");

            redis.stop();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    api.post(api.job("before") + "/logs", token, MediaType.TEXT_PLAIN, "lost?")
                            .expectStatus().isEqualTo(503)
                            .expectBody(String.class).isEqualTo("Redis is unavailable; try again shortly"));
            api.get(api.job("before"), WorkerApiClient.PRODUCER).expectStatus().isEqualTo(503);

            redis.start();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    api.get(api.job("nothing-yet"), WorkerApiClient.PRODUCER).expectStatus().isNotFound());
            String after = api.add("after");
            api.log("after", after, "written after the restart");
            api.post(api.job("after") + "/complete", after, MediaType.APPLICATION_JSON, "{\"success\":true}").expectStatus().isOk();
        }
    }
}
