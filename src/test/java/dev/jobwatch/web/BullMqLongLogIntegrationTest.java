package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;

/**
 * A BullMQ job with a log of 100,000 rows (BullMQ's layout, written here directly) is read whole, polled
 * and watched with every byte right, while no script call holds Redis for 5 ms: Redis's slow log, on a
 * Redis of the test's own, says so.
 */
class BullMqLongLogIntegrationTest {

    /** Watchers here come without a token: open watching is set, not assumed to be the default. */
    private static final String OPEN_WATCHING = "jobwatch.watch.auth=open";

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int ROWS = 100_000;
    private static final long SLOW_MICROS = 5_000;

    private static TestRedis own;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    /** A Redis of its own, so that the slow-log setting and what it records are this test's alone. */
    @BeforeAll
    static void redis() {
        own = new TestRedis();
        client = RedisClient.create(own.url());
        connection = client.connect();
    }

    @AfterAll
    static void stopRedis() {
        connection.close();
        client.shutdown();
        own.close();
    }

    @Test
    void getGetupdateAndStreamsOfAHundredThousandRowsHoldRedisAMomentPerCall() {
        RedisCommands<String, String> redis = connection.sync();
        String prefix = "jwtest-" + UUID.randomUUID().toString().substring(0, 8);
        String job = prefix + ":q:long";
        redis.hset(
                job,
                Map.of(
                        "name",
                        "long",
                        "data",
                        "{}",
                        "opts",
                        "{}",
                        "timestamp",
                        "1700000000000",
                        "processedOn",
                        "1700000001000",
                        "delay",
                        "0",
                        "priority",
                        "0"));
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(i % 7 == 0 ? "row " + i + " héllo wörld ✓ 🎉" : "row " + i + " plain text of a build step");
        }
        for (int i = 0; i < ROWS; i += 1_000) {
            redis.rpush(job + ":logs", rows.subList(i, i + 1_000).toArray(String[]::new));
        }
        String whole = rows.stream().map(row -> row + "\n").collect(Collectors.joining());
        int length = whole.codePointCount(0, whole.length());
        redis.configSet("slowlog-log-slower-than", Long.toString(SLOW_MICROS));
        redis.configSet("slowlog-max-len", "100000");
        redis.slowlogReset();
        redis.configResetstat();

        try (TestServer server = new TestServer(
                own.url(),
                OPEN_WATCHING,
                "jobwatch.bullmq.queues=q",
                "jobwatch.bullmq.prefix=" + prefix,
                "jobwatch.bullmq.log-poll=50ms")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String watch = "/api/w/bullmq.q/jobs_u/";

            // A log of 4 MB: more than a client buffers by default.
            String got = api.http
                    .mutate()
                    .responseTimeout(DEADLINE)
                    .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(16 << 20))
                    .build()
                    .get()
                    .uri(watch + "get/long")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(String.class)
                    .returnResult()
                    .getResponseBody();
            assertThat(SseClient.JSON.readTree(got).get("logs").stringValue())
                    .as("the whole log, read in bounded steps")
                    .isEqualTo(whole);
            api.get("/queues/bullmq.q/jobs/long/logs?start=99998&length=10", PRODUCER)
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .json("{\"count\":100000,\"logs\":[\"" + rows.get(99_998) + "\",\"" + rows.get(99_999) + "\"]}");

            int middle = whole.offsetByCodePoints(0, length / 2);
            JsonNode polled =
                    SseClient.JSON.readTree(api.get(watch + "getupdate/long?log_offset=" + (length / 2 + 1), null)
                            .expectStatus()
                            .isOk()
                            .expectBody(String.class)
                            .returnResult()
                            .getResponseBody());
            assertThat(whole.substring(middle))
                    .as("a poll from the middle gets text from exactly there")
                    .startsWith(polled.get("new_logs").stringValue());
            assertThat(polled.get("log_offset").longValue()).isLessThanOrEqualTo(length + 1);

            List<JsonNode> updates = new CopyOnWriteArrayList<>();
            int near = length - 500;
            Disposable watcher = new SseClient(server.port())
                    .updates("bullmq.q", "long", "log_offset=" + (near + 1))
                    .subscribe(updates::add);
            try {
                await().atMost(DEADLINE).until(() -> !updates.isEmpty());
                List<String> added = List.of("one more ✓", "and the last");
                redis.rpush(job + ":logs", added.toArray(String[]::new));
                redis.hset(job, Map.of("finishedOn", "1700000009000", "returnvalue", "{\"ok\":true}"));
                redis.xadd(prefix + ":q:events", Map.of("event", "completed", "jobId", "long"));
                await().atMost(DEADLINE)
                        .until(() -> updates.stream()
                                .anyMatch(update -> update.path("completed").asBoolean(false)));
                String streamed = updates.stream()
                        .map(update -> update.path("new_logs").asString(""))
                        .collect(Collectors.joining());
                String expected = whole.substring(whole.offsetByCodePoints(0, near)) + String.join("\n", added) + "\n";
                assertThat(streamed)
                        .as("the stream from near the end, and the rows added while it ran")
                        .isEqualTo(expected);
            } finally {
                watcher.dispose();
            }

            // Before, every call on this job walked the whole list: 100 ms and more each, every one in the slow
            // log. Now each walks about a millisecond's worth, and on a quiet machine none is there. The slow log
            // measures wall time, so on a machine whose cores are shared many times over a call that lost its
            // core to another process passes 5 ms too; the typical call must still be well within it.
            long[] scripts = scriptCalls(redis);
            List<Object> slow = redis.slowlogGet(100_000).stream()
                    .filter(entry -> String.valueOf(entry).toUpperCase().contains("EVAL"))
                    .toList();
            assertThat(scripts[0]).as("script calls made").isGreaterThan(200);
            assertThat(slow.size())
                    .as("script calls of %d µs or more, out of %d: %s", SLOW_MICROS, scripts[0], slow)
                    .isLessThanOrEqualTo((int) (scripts[0] / 4));
            assertThat(scripts[1] / scripts[0]).as("µs per script call").isLessThan(SLOW_MICROS);
        }
    }

    /** EVALSHA and EVAL calls since the statistics were reset, and the µs they took in all. */
    private static long[] scriptCalls(RedisCommands<String, String> redis) {
        long[] total = new long[2];
        redis.info("commandstats")
                .lines()
                .filter(line -> line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:"))
                .forEach(line -> {
                    total[0] += Long.parseLong(line.replaceAll("^[^:]+:calls=(\\d+),.*", "$1"));
                    total[1] += Long.parseLong(line.replaceAll("^.*,usec=(\\d+),.*", "$1"));
                });
        return total;
    }
}
