package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * Ids that name BullMQ's own keys (its id counter, events stream, meta hash, job lists, a job's log or
 * lock) are not jobs, and a Redis fault reaches a client only as jobwatch's own words: the queue is left
 * as the real BullMQ package leaves it, then every key it wrote that is not a job is asked for as one.
 */
@ExtendWith(OutputCaptureExtension.class)
class BullMqOwnKeysIntegrationTest {

    /** Watchers here come without a token: open watching is set, not assumed to be the default. */
    private static final String OPEN_WATCHING = "jobwatch.watch.auth=open";

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String QUEUE = "keys";
    private static final String NAMESPACE = "bullmq." + QUEUE;

    private static TestRedis.Lease redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void redis() {
        redis = TestRedis.fromEnvironment();
        client = RedisClient.create(redis.url());
        connection = client.connect();
    }

    @AfterAll
    static void stopRedis() {
        connection.close();
        client.shutdown();
        redis.close();
    }

    @Test
    void everyKeyOfBullMqThatIsNotAJobIsNotFoundOnEveryRouteAndNothingIsLoggedPerRequest(CapturedOutput output)
            throws Exception {
        BullMqNode.require();
        String prefix = "jwtest-" + UUID.randomUUID().toString().substring(0, 8);
        RedisCommands<String, String> commands = connection.sync();
        Process node =
                BullMqNode.start("seed.mjs", Map.of("REDIS_URL", redis.url(), "BULLMQ_PREFIX", prefix, "QUEUE", QUEUE));
        List<String> jobs = new ArrayList<>();
        try {
            CompletableFuture.supplyAsync(() -> BullMqNode.message(BullMqNode.output(node), "ids"))
                    .get(60, TimeUnit.SECONDS)
                    .get("ids")
                    .forEach(id -> jobs.add(id.asString()));
            assertThat(node.waitFor(30, TimeUnit.SECONDS))
                    .as("the seed script ends")
                    .isTrue();
        } finally {
            node.destroyForcibly();
        }
        String queueKey = prefix + ":" + QUEUE + ":";
        // A lock as BullMQ holds one on an active job, so that ids naming it are tried too.
        commands.set(queueKey + jobs.get(0) + ":lock", "a-lock-token");
        List<String> ownKeys = commands.keys(queueKey + "*").stream()
                .map(key -> key.substring(queueKey.length()))
                .filter(name -> !jobs.contains(name))
                .sorted()
                .toList();
        assertThat(ownKeys)
                .as("BullMQ's own keys beside its jobs")
                .contains(
                        "id",
                        "events",
                        "meta",
                        "completed",
                        "failed",
                        "wait",
                        jobs.get(0) + ":logs",
                        jobs.get(0) + ":lock");

        try (TestServer server = new TestServer(
                redis.url(), OPEN_WATCHING, "jobwatch.bullmq.queues=" + QUEUE, "jobwatch.bullmq.prefix=" + prefix)) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            SseClient sse = new SseClient(server.port());
            int logged = output.getAll().length();
            for (String id : ownKeys) {
                String job = "/queues/" + NAMESPACE + "/jobs/" + id;
                String watch = "/api/w/" + NAMESPACE + "/jobs_u/";
                api.get(job, PRODUCER)
                        .expectStatus()
                        .isNotFound()
                        .expectBody(String.class)
                        .isEqualTo("Job not found");
                api.get(job + "/logs?start=0&length=10", PRODUCER)
                        .expectStatus()
                        .isNotFound();
                api.get(watch + "get/" + id, null).expectStatus().isNotFound();
                api.get(watch + "getupdate/" + id, null).expectStatus().isNotFound();
                assertThat(sse.updates(NAMESPACE, id, "")
                                .map(JsonNode::toString)
                                .collectList()
                                .block(DEADLINE))
                        .as("the stream of %s", id)
                        .containsExactly("{\"type\":\"notfound\"}");
                api.post(job + "/progress", "a-lock-token", MediaType.APPLICATION_JSON, "1")
                        .expectStatus()
                        .value(status ->
                                assertThat(status).as("progress of %s", id).isIn(401, 404));
                api.post(job + "/logs", "a-lock-token", MediaType.TEXT_PLAIN, "row")
                        .expectStatus()
                        .value(status ->
                                assertThat(status).as("a log row of %s", id).isIn(401, 404));
            }
            assertThat(output.getAll().substring(logged))
                    .as("what the server logged meanwhile")
                    .doesNotContain("Exception", "WRONGTYPE", "ERR ", " ERROR ");

            api.get("/queues/" + NAMESPACE + "/jobs/" + jobs.get(0), PRODUCER)
                    .expectStatus()
                    .isOk();
            assertThat(commands.lrange(queueKey + jobs.get(0) + ":logs", 0, -1))
                    .as("nothing was written")
                    .containsExactly("row of " + jobs.get(0));
        } finally {
            List<String> keys = commands.keys(prefix + ":*");
            if (!keys.isEmpty()) {
                commands.del(keys.toArray(String[]::new));
            }
        }
    }

    @Test
    void aCommandRedisRefusesIsA503InOurWordsAndIsLoggedOncePerInterval(CapturedOutput output) {
        try (TestServer server = new TestServer(redis.url(), OPEN_WATCHING)) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            SseClient sse = new SseClient(server.port());
            String token = api.add("broken");
            // The job's hash replaced by a string: every script on it fails inside Redis with WRONGTYPE.
            String hash = "jobwatch:{" + api.namespace + "/broken}:job";
            assertThat(connection.sync().type(hash)).isEqualTo("hash");
            connection.sync().del(hash);
            connection.sync().set(hash, "not a hash");

            int logged = output.getAll().length();
            for (int i = 0; i < 20; i++) {
                api.get(api.job("broken"), PRODUCER)
                        .expectStatus()
                        .isEqualTo(503)
                        .expectBody(String.class)
                        .isEqualTo("Redis could not serve this request; try again shortly");
                api.post(api.job("broken") + "/logs", token, MediaType.TEXT_PLAIN, "row")
                        .expectStatus()
                        .isEqualTo(503);
            }
            List<JsonNode> events =
                    sse.updates(api.namespace, "broken", "").collectList().block(DEADLINE);
            assertThat(events).last().satisfies(event -> {
                assertThat(event.get("type").stringValue()).isEqualTo("error");
                assertThat(event.get("error").stringValue()).startsWith("Redis could not serve this request");
            });
            assertThat(events.toString()).doesNotContain("WRONGTYPE", "ERR", "script", "f_");

            String log = output.getAll().substring(logged);
            assertThat(log.lines().filter(line -> line.contains("Redis could not serve this request")))
                    .as("41 faults of one kind, logged once in the minute")
                    .hasSize(1);
            assertThat(log).as("no stack trace per request").doesNotContain("\tat ");
        }
    }
}
