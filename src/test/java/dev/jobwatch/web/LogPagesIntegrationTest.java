package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.store.RedisConnections;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * BullMQ's page of log rows ({@code GET .../logs?start=&length=}) answers the same on a BullMQ queue and
 * on jobwatch's own namespaces: a page that starts past the last row, however far, is empty with the
 * row count, and a start or length that is no whole number is 400 with the reason.
 */
class LogPagesIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void aPagePastTheEndIsEmptyAndAStartThatIsNoNumberIs400OnEverySource() {
        String prefix = "jwtest-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestServer server =
                new TestServer(redis.url(), "jobwatch.bullmq.queues=render", "jobwatch.bullmq.prefix=" + prefix)) {
            var commands = server.bean(RedisConnections.class).commands().block(DEADLINE);
            String key = prefix + ":render:frame-1";
            commands.hset(key, Map.of("name", "render", "data", "{}", "opts", "{}", "timestamp", "1700000000000"))
                    .block(DEADLINE);
            commands.rpush(key + ":logs", "one", "two", "three").block(DEADLINE);
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("own-1");
            List.of("one", "two", "three").forEach(row -> api.log("own-1", token, row));
            try {
                for (String job : List.of("/queues/bullmq.render/jobs/frame-1", api.job("own-1"))) {
                    page(api, job, "start=1&length=10", "{\"count\":3,\"logs\":[\"two\",\"three\"]}");
                    for (String start : List.of(
                            "3",
                            "1000",
                            "2147483648",
                            "9007199254740993",
                            "100000000000000000",
                            "9223372036854775807")) {
                        page(api, job, "start=" + start + "&length=10", "{\"count\":3,\"logs\":[]}");
                        page(api, job, "start=" + start + "&length=100", "{\"count\":3,\"logs\":[]}");
                    }
                    for (String query : List.of(
                            "start=9223372036854775808&length=10",
                            "start=99999999999999999999999&length=10",
                            "start=1e3&length=10",
                            "start=abc&length=10",
                            "start=0&length=x")) {
                        refused(api, job + "/logs?" + query, "Invalid start or length");
                    }
                    refused(api, job + "/logs?start=-1&length=10", "Start and length must be positive");
                    refused(api, job + "/logs?start=0&length=101", "Length must be less than or equal to 100");
                }
            } finally {
                commands.del(key, key + ":logs").block(DEADLINE);
            }
        }
    }

    private static void page(WorkerApiClient api, String job, String query, String expected) {
        api.get(job + "/logs?" + query, PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .json(expected, true);
    }

    private static void refused(WorkerApiClient api, String path, String reason) {
        api.get(path, PRODUCER)
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo(reason);
    }
}
