package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.PodProcess;
import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * What an operator reads in the server's log when clients send tokens in URLs, malformed requests and
 * terminal escapes, or follow a job with a stale token: no token, no raw control character, no entry per
 * request, no stack trace for what a client did.
 */
@ExtendWith(OutputCaptureExtension.class)
class RequestLogIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void aWatchTokenInAUrlNeverReachesTheLogEvenAtDebugAndWhenTheUrlIsMalformed(CapturedOutput output) {
        try (TestServer server = new TestServer(
                redis.url(),
                "jobwatch.watch.auth=token",
                "logging.level.dev.jobwatch=DEBUG",
                "logging.level.org.springframework.web=DEBUG",
                "logging.level.org.springframework.http=DEBUG",
                "logging.level.reactor.netty=DEBUG",
                "logging.level.reactor.netty.http.server.HttpServerOperations=DEBUG",
                "logging.level.io.netty=DEBUG")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = (String) api.added("quiet").get("watch_token");
            String job = "/api/w/" + api.namespace + "/jobs_u/getupdate/quiet";

            assertThat(status(server, "GET " + job + "?token=" + token + " HTTP/1.1\r\n"))
                    .as("a token in the query still opens its job")
                    .isEqualTo(200);
            assertThat(status(server, "GET " + job + "?log_offset=%ZZ&token=" + token + " HTTP/1.1\r\n"))
                    .isEqualTo(400);
            assertThat(status(server, "GET " + job + "?token=" + token + "&running=%E0%A4%A HTTP/1.1\r\n"))
                    .isEqualTo(400);
            assertThat(status(server, "GET " + job + "%ZZ?token=" + token + " HTTP/1.1\r\n"))
                    .isEqualTo(400);
            assertThat(status(server, "GET " + job + "?log_offset=x&token=" + token + " HTTP/1.1\r\n"))
                    .isEqualTo(400);
            assertThat(status(server, "GET /nowhere?token=" + token + "&%%% HTTP/1.1\r\n"))
                    .isEqualTo(400);
            assertThat(status(
                            server,
                            "GET " + job + "?token=" + token + " HTTP/1.1\r\nX-Padding: " + "x".repeat(9_000) + "\r\n"))
                    .isEqualTo(431);
            assertThat(status(server, "GET " + job + "?token=" + token + " HTTP/1.1\r\nBad Header : v\r\n"))
                    .isEqualTo(400);
            assertThat(status(server, "GET " + job + "\u001b[2J?token=" + token + " HTTP/1.1\r\n"))
                    .isEqualTo(400);

            assertThat(output.getAll())
                    .as("the server logged at DEBUG")
                    .contains("Decoding failed")
                    .doesNotContain(token);
            assertThat(output.getAll().chars().filter(c -> c == 0x1b))
                    .as("no raw control character")
                    .isEmpty();
        }
    }

    @Test
    void reactorNettysAccessLogShowsTheUrlWithoutItsToken() {
        try (PodProcess pod = new PodProcess(
                List.of("-Dreactor.netty.http.server.accessLogEnabled=true"),
                redis.url(),
                "jobwatch.watch.auth=token")) {
            WorkerApiClient api = new WorkerApiClient(pod.port());
            String token = (String) api.added("accessed").get("watch_token");
            String job = "/api/w/" + api.namespace + "/jobs_u/getupdate/accessed";

            assertThat(status(pod.port(), "GET " + job + "?get_progress=true&token=" + token + " HTTP/1.1\r\n"))
                    .isEqualTo(200);
            assertThat(status(pod.port(), "GET " + job + "?log_offset=%ZZ&token=" + token + " HTTP/1.1\r\n"))
                    .isEqualTo(400);

            await().atMost(DEADLINE).until(() -> pod.log().contains("\"GET " + job + "?log_offset=%ZZ HTTP/1.1\" 400"));
            assertThat(pod.log())
                    .contains("\"GET " + job + "?get_progress=true HTTP/1.1\" 200")
                    .doesNotContain(token);
        }
    }

    @Test
    void malformedRequestsAreLoggedOnceAMinuteForEachKindWithTheirControlCharactersEscaped(CapturedOutput output) {
        try (TestServer server = new TestServer(redis.url())) {
            int before = output.getAll().length();

            assertThat(status(server, "GET /x\u001b]0;owned\u0007\u001b[2J HTTP/1.1\r\n"))
                    .as("a request target with control characters")
                    .isEqualTo(400);
            for (int i = 0; i < 100; i++) {
                assertThat(status(server, "GET /y HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n"))
                        .isEqualTo(400);
            }
            assertThat(status(server, "GET /z HTTP/1.1\r\nX-Padding: " + "x".repeat(9_000) + "\r\n"))
                    .isEqualTo(431);

            String written = output.getAll().substring(before);
            assertThat(written.chars().filter(c -> c == 0x1b || c == 0x07))
                    .as("no raw control character")
                    .isEmpty();
            assertThat(written.lines().filter(line -> line.contains("Refused")))
                    .as("one line for each kind of fault in a minute, however many requests")
                    .hasSize(3)
                    .allMatch(line -> line.contains(" INFO "))
                    .anyMatch(line -> line.contains("GET /x\\u001b]0;owned\\u0007\\u001b[2J"))
                    .anyMatch(line -> line.contains("ContentLengthNotAllowedException"))
                    .anyMatch(line -> line.contains("TooLongHttpHeaderException"));
            assertThat(written.lines()).as("nothing else: no WARN per request").hasSize(3);
        }
    }

    @Test
    void aStreamEndedByAStaleWatchTokenIsNoErrorInTheLog(CapturedOutput output) {
        try (TestServer server = new TestServer(redis.url());
                RedisClient client = RedisClient.create(redis.url());
                StatefulRedisConnection<String, String> direct = client.connect()) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String stale = added(api, "again").get("watch_token");
            String keys = "jobwatch:{" + api.namespace + "/again}:";
            assertThat(direct.sync().del(keys + "job", keys + "log", keys + "stream"))
                    .isPositive();
            added(api, "again");
            int before = output.getAll().length();

            List<JsonNode> events = new SseClient(server.port())
                    .updates(api.namespace, "again", "", stale)
                    .collectList()
                    .block(DEADLINE);

            assertThat(events)
                    .singleElement()
                    .satisfies(event ->
                            assertThat(event.get("error").stringValue()).isEqualTo("Unauthorized"));
            assertThat(output.getAll().substring(before))
                    .as("an expected outcome, not a bug")
                    .doesNotContain(" ERROR ", " WARN ", "JobNotHeldException", "\tat ");
        }
    }

    @Test
    void aBodyThatPausesPastTheHeaderTimeoutIsRefusedWithoutAnError(CapturedOutput output) throws IOException {
        try (TestServer server = new TestServer(redis.url(), "jobwatch.http.header-timeout=1s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("paused");
            int before = output.getAll().length();
            String answer;
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout((int) DEADLINE.toMillis());
                socket.getOutputStream()
                        .write(("POST " + api.job("paused") + "/logs HTTP/1.1\r\nHost: localhost\r\n"
                                        + "Authorization: Bearer " + token + "\r\nContent-Type: text/plain\r\n"
                                        + "Content-Length: 100\r\n\r\nthe first bytes of a row")
                                .getBytes(StandardCharsets.US_ASCII));
                answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            assertThat(answer)
                    .startsWith("HTTP/1.1 408")
                    .endsWith("Body paused for longer than the server waits: send it without pauses");
            // Reactor Netty still reports the timeout a second time as a dropped error, outside jobwatch's log.
            assertThat(output.getAll().substring(before).lines().filter(line -> line.contains("dev.jobwatch")))
                    .as("the client's fault, not a bug")
                    .anyMatch(line -> line.contains(" INFO ") && line.contains("/logs stopped sending its body"))
                    .noneMatch(line -> line.contains(" ERROR ") || line.contains(" WARN "));
        }
    }

    private static int status(TestServer server, String head) {
        return status(server.port(), head);
    }

    /** Sends one request (its line and headers, without the blank line) on a connection of its own and reads the status. */
    private static int status(int port, String head) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) DEADLINE.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write((head + "Host: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return Integer.parseInt(answer.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> added(WorkerApiClient api, String id) {
        Map<String, Object> job = api.post(
                        api.jobs(), PRODUCER, MediaType.APPLICATION_JSON, "[{\"id\":\"" + id + "\"}]")
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                .returnResult()
                .getResponseBody()
                .get(0);
        return Map.of("token", (String) job.get("token"), "watch_token", (String) job.get("watch_token"));
    }
}
