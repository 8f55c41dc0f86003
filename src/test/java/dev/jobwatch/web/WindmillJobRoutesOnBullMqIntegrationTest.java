package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.store.RedisConnections;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/**
 * The SDK routes on a BullMQ queue's jobs, written here in BullMQ's layout as BullMQ writes it: reads
 * answer from BullMQ's job hash and log list; cancel is refused (400), as the BullMQ-side cancel route
 * is, since BullMQ owns its jobs. {@code BullMqInteropIntegrationTest} runs the real package.
 */
class WindmillJobRoutesOnBullMqIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    void readsAnswerFromBullMqsJobAndCancelIsRefused() {
        String prefix = "jwtest-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestRedis.Lease redis = TestRedis.fromEnvironment();
                TestServer server = new TestServer(
                        redis.url(), "jobwatch.bullmq.queues=render", "jobwatch.bullmq.prefix=" + prefix)) {
            var commands = server.bean(RedisConnections.class).commands().block(DEADLINE);
            String key = prefix + ":render:frame-1";
            commands.hset(
                            key,
                            Map.of(
                                    "name",
                                    "render",
                                    "data",
                                    "{\"n\":7}",
                                    "opts",
                                    "{}",
                                    "timestamp",
                                    "1700000000000",
                                    "processedOn",
                                    "1700000001000",
                                    "finishedOn",
                                    "1700000003000",
                                    "returnvalue",
                                    "{\"url\":\"x\"}",
                                    "progress",
                                    "{\"pct\":100}"))
                    .block(DEADLINE);
            commands.rpush(key + ":logs", "héllo 🎉", "", "done").block(DEADLINE);
            WorkerApiClient api = new WorkerApiClient(server.port());
            String ws = "/api/w/bullmq.render/";
            try {
                api.get(ws + "jobs_u/completed/get_result_maybe/frame-1", PRODUCER)
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .json(
                                "{\"completed\":true,\"result\":{\"url\":\"x\"},\"success\":true,\"started\":true}",
                                true);
                api.get(ws + "jobs_u/completed/get_result/frame-1", PRODUCER)
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .json("{\"url\":\"x\"}", true);
                api.get(ws + "jobs_u/get_logs/frame-1", PRODUCER)
                        .expectStatus()
                        .isOk()
                        .expectBody(String.class)
                        .isEqualTo("héllo 🎉\n\ndone\n");
                api.get(ws + "jobs_u/completed/get/frame-1", PRODUCER)
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .jsonPath("$.logs")
                        .isEqualTo("héllo 🎉\n\ndone\n")
                        .jsonPath("$.duration_ms")
                        .isEqualTo(2000);
                api.get(ws + "jobs_u/get_args/frame-1", PRODUCER)
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .json("{\"n\":7}", true);
                api.get(ws + "job_metrics/get_progress/frame-1", PRODUCER)
                        .expectStatus()
                        .isOk()
                        .expectBody(String.class)
                        .isEqualTo("null");
                api.post(
                                ws + "jobs_u/queue/cancel/frame-1",
                                PRODUCER,
                                MediaType.APPLICATION_JSON,
                                "{\"reason\":\"no\"}")
                        .expectStatus()
                        .isBadRequest();
                api.get(ws + "jobs_u/completed/get_result_maybe/missing", PRODUCER)
                        .expectStatus()
                        .isNotFound();
            } finally {
                commands.del(List.of(key, key + ":logs").toArray(String[]::new)).block(DEADLINE);
            }
        }
    }
}
