package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.store.RedisConnections;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reads of a log from past its end answer the same on a BullMQ queue and on jobwatch's own namespaces:
 * BullMQ's page of rows ({@code GET .../logs?start=&length=}) that starts past the last row, however far,
 * is empty with the row count, and a start or length that is no whole number is 400 with the reason; a
 * poll ({@code getupdate}) from an offset past the end, up to the largest one taken, brings no text.
 */
class LogPagesIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final List<String> ROWS = List.of("one", "two", "three");

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private static TestServer server;
    private static WorkerApiClient api;
    private static RedisClusterReactiveCommands<String, String> commands;
    private static String bullMqKey;

    @BeforeAll
    static void start() {
        String prefix = "jwtest-" + UUID.randomUUID().toString().substring(0, 8);
        server = new TestServer(redis.url(), "jobwatch.bullmq.queues=render", "jobwatch.bullmq.prefix=" + prefix);
        commands = server.bean(RedisConnections.class).commands().block(DEADLINE);
        bullMqKey = prefix + ":render:frame-1";
        commands.hset(bullMqKey, Map.of("name", "render", "data", "{}", "opts", "{}", "timestamp", "1700000000000"))
                .block(DEADLINE);
        commands.rpush(bullMqKey + ":logs", ROWS.toArray(String[]::new)).block(DEADLINE);
        api = new WorkerApiClient(server.port());
        String token = api.add("own-1");
        ROWS.forEach(row -> api.log("own-1", token, row));
    }

    @AfterAll
    static void stop() {
        commands.del(bullMqKey, bullMqKey + ":logs").block(DEADLINE);
        server.close();
    }

    @Test
    void aPagePastTheEndIsEmptyAndAStartThatIsNoNumberIs400OnEverySource() {
        for (String job : List.of("/queues/bullmq.render/jobs/frame-1", api.job("own-1"))) {
            page(job, "start=1&length=10", "{\"count\":3,\"logs\":[\"two\",\"three\"]}");
            for (String start : List.of(
                    "3", "1000", "2147483648", "9007199254740993", "100000000000000000", "9223372036854775807")) {
                page(job, "start=" + start + "&length=10", "{\"count\":3,\"logs\":[]}");
                page(job, "start=" + start + "&length=100", "{\"count\":3,\"logs\":[]}");
            }
            for (String query : List.of(
                    "start=9223372036854775808&length=10",
                    "start=99999999999999999999999&length=10",
                    "start=1e3&length=10",
                    "start=abc&length=10",
                    "start=0&length=x")) {
                refused(job + "/logs?" + query, "Invalid start or length");
            }
            refused(job + "/logs?start=-1&length=10", "Start and length must be positive");
            refused(job + "/logs?start=0&length=101", "Length must be less than or equal to 100");
        }
    }

    @Test
    void aPollFromAnOffsetPastTheEndBringsNoTextOnEverySource() {
        for (String poll : List.of(
                "/api/w/bullmq.render/jobs_u/getupdate/frame-1",
                "/api/w/" + api.namespace + "/jobs_u/getupdate/own-1")) {
            for (String offset : List.of("15", "1000", "100000000000000", "9007199254740991")) {
                api.get(poll + "?log_offset=" + offset, PRODUCER)
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .json("{\"completed\":false,\"log_offset\":" + offset + ",\"stream_offset\":0}", true);
            }
        }
    }

    private static void page(String job, String query, String expected) {
        api.get(job + "/logs?" + query, PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .json(expected, true);
    }

    private static void refused(String path, String reason) {
        api.get(path, PRODUCER)
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo(reason);
    }
}
