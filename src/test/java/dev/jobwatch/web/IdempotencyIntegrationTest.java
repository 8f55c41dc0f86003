package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A 503 on a write says only that its answer did not come back: the write may have been applied. A
 * worker that sends an {@code Idempotency-Key} and retries with it gets its write applied once and the
 * answer of the first success, on every worker route.
 */
class IdempotencyIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void connect() {
        client = RedisClient.create(redis.url());
        connection = client.connect();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        client.shutdown();
    }

    @Test
    void aWriteAnswered503WhileRedisStalledIsAppliedOnceWhenRetriedWithItsKey() {
        try (StallingProxy proxy = new StallingProxy(URI.create(redis.url()).getPort());
                TestServer server = new TestServer(proxy.url(), "jobwatch.redis.timeout=1s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("job");
            String firstSuccess = keyed(api, "job", "start", token, "start-1", null, null)
                    .expectStatus()
                    .isOk()
                    .expectBody(String.class)
                    .returnResult()
                    .getResponseBody();

            proxy.hold();
            keyed(api, "job", "logs", token, "row-1", MediaType.TEXT_PLAIN, "exactly once")
                    .expectStatus()
                    .isEqualTo(503);
            // Redis ran the write; only its answer is late.
            RedisCommands<String, String> direct = connection.sync();
            assertThat(direct.hget(jobKey(api, "job"), "log_rows")).isEqualTo("1");
            proxy.release();

            await().atMost(DEADLINE)
                    .untilAsserted(() -> keyed(api, "job", "logs", token, "row-1", MediaType.TEXT_PLAIN, "exactly once")
                            .expectStatus()
                            .isOk()
                            .expectBody(String.class)
                            .isEqualTo(firstSuccess));
            assertThat(api.rows("job", 0, 10)).containsEntry("count", 1).containsEntry("logs", List.of("exactly once"));
        }
    }

    @Test
    void aRetriedWriteWithItsKeyIsAppliedOnceOnEveryWorkerRouteAndAnswersAsTheFirstDid() {
        try (TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("job");
            RedisCommands<String, String> direct = connection.sync();
            record Write(String route, MediaType type, String body) {}
            List<Write> writes = List.of(
                    new Write("start", null, null),
                    new Write("progress", MediaType.APPLICATION_JSON, "42"),
                    new Write("logs", MediaType.TEXT_PLAIN, "one row"),
                    new Write("stream", MediaType.TEXT_PLAIN, "one chunk"),
                    new Write("complete", MediaType.APPLICATION_JSON, "{\"success\":true,\"result\":7}"));
            for (Write write : writes) {
                String key = "key-" + write.route();
                keyed(api, "job", write.route(), token, key, write.type(), write.body())
                        .expectStatus()
                        .isOk();
                Map<String, String> applied = direct.hgetall(jobKey(api, "job"));
                for (int retry = 0; retry < 2; retry++) {
                    keyed(api, "job", write.route(), token, key, write.type(), write.body())
                            .expectStatus()
                            .isOk()
                            .expectBody(String.class)
                            .isEqualTo("OK");
                }
                assertThat(direct.hgetall(jobKey(api, "job")))
                        .as("the job after retries of %s", write.route())
                        .isEqualTo(applied);
            }
            assertThat(api.rows("job", 0, 10)).containsEntry("logs", List.of("one row"));
            assertThat(api.document("job")).containsEntry("progress", 42).containsEntry("result", 7);

            // A new key is a new write, which a completed job refuses; without a key the same.
            keyed(api, "job", "logs", token, "another", MediaType.TEXT_PLAIN, "late")
                    .expectStatus()
                    .isEqualTo(409);
            api.post(api.job("job") + "/logs", token, MediaType.TEXT_PLAIN, "late")
                    .expectStatus()
                    .isEqualTo(409);
        }
    }

    @Test
    void aKeyIsForOneWriteAndMustBeShortVisibleAscii() throws IOException {
        try (TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("job");
            keyed(api, "job", "logs", token, "mine", MediaType.TEXT_PLAIN, "first")
                    .expectStatus()
                    .isOk();
            Map<String, String> before = connection.sync().hgetall(jobKey(api, "job"));
            keyed(api, "job", "logs", token, "mine", MediaType.TEXT_PLAIN, "another row")
                    .expectStatus()
                    .isEqualTo(422)
                    .expectBody(String.class)
                    .isEqualTo("Idempotency-Key was already used for another write to this job: send a new key");
            keyed(api, "job", "stream", token, "mine", MediaType.TEXT_PLAIN, "first")
                    .expectStatus()
                    .isEqualTo(422);
            // As written on the wire: HTTP clients refuse to send most of these. The last is UTF-8 é.
            for (String bad : List.of("", " ", "x".repeat(256), "two words", "tab\there", "\u00c3\u00a9")) {
                String request =
                        "POST " + api.job("job") + "/logs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                                + token + "\r\nIdempotency-Key: " + bad
                                + "\r\nContent-Type: text/plain\r\nContent-Length: 7\r\nConnection: close\r\n\r\nrefused";
                try (Socket socket = new Socket("127.0.0.1", server.port())) {
                    socket.setSoTimeout(20_000);
                    socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                    assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                            .as("key %s", bad)
                            .startsWith("HTTP/1.1 400 ")
                            .endsWith("\r\n\r\nIdempotency-Key must be 1 to 255 visible ASCII characters");
                }
            }
            api.http
                    .post()
                    .uri(api.job("job") + "/logs")
                    .header("Authorization", "Bearer " + token)
                    .header("Idempotency-Key", "a", "b")
                    .contentType(MediaType.TEXT_PLAIN)
                    .bodyValue("refused")
                    .exchange()
                    .expectStatus()
                    .isEqualTo(400)
                    .expectBody(String.class)
                    .isEqualTo("Idempotency-Key must be sent once");
            assertThat(connection.sync().hgetall(jobKey(api, "job"))).isEqualTo(before);
            keyed(api, "job", "logs", token, "x".repeat(255), MediaType.TEXT_PLAIN, "second")
                    .expectStatus()
                    .isOk();
            assertThat(api.rows("job", 0, 10)).containsEntry("logs", List.of("first", "second"));
        }
    }

    private static WebTestClient.ResponseSpec keyed(
            WorkerApiClient api, String id, String route, String token, String key, MediaType type, String body) {
        WebTestClient.RequestBodySpec request = api.http
                .post()
                .uri(api.job(id) + "/" + route)
                .header("Authorization", "Bearer " + token)
                .header("Idempotency-Key", key);
        if (type != null) {
            request.contentType(type);
        }
        return body == null ? request.exchange() : request.bodyValue(body).exchange();
    }

    private static String jobKey(WorkerApiClient api, String id) {
        return "jobwatch:{" + api.namespace + "/" + id + "}:job";
    }
}
