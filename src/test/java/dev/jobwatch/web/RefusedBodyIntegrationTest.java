package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;

/**
 * A body is received whole before anything is written: one whose chunked encoding breaks anywhere, or
 * that stalls past the header timeout, is refused with a 4xx, leaves the job's keys in Redis byte for
 * byte as they were, and logs no error.
 */
@ExtendWith(OutputCaptureExtension.class)
class RefusedBodyIntegrationTest {

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    /** Each breaks a rule of chunked encoding somewhere in the body, some after a good chunk. */
    private static final List<String> MALFORMED = List.of(
            "FFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n", // size overflow
            "-5\r\nabc\r\n0\r\n\r\n", // negative size
            "zz\r\nabc\r\n0\r\n\r\n", // size not hex
            "3\r\nabcdef\r\n0\r\n\r\n", // data longer than its size
            "3\r\nabc\r\nzz\r\ndef\r\n0\r\n\r\n", // a good chunk, then a size not hex
            "3\r\nabc\r\n3\r\ndefghi\r\n0\r\n\r\n"); // a good chunk, then data longer than its size

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
    void aBodyWithMalformedChunkedEncodingIs400AndChangesNothing(CapturedOutput output) throws IOException {
        try (TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("job");
            api.post(api.job("job") + "/start", token, null, null)
                    .expectStatus()
                    .isOk();
            api.log("job", token, "the only row");
            Map<String, String> before = dump(api.namespace, "job");

            Map<String, String> routes = Map.of(
                    "logs", "text/plain",
                    "stream", "text/plain",
                    "progress", "application/json",
                    "complete", "application/json");
            for (Map.Entry<String, String> route : routes.entrySet()) {
                for (String body : MALFORMED) {
                    String answer = send(
                            server,
                            "POST " + api.job("job") + "/" + route.getKey() + " HTTP/1.1\r\nHost: localhost\r\n"
                                    + "Authorization: Bearer " + token + "\r\nContent-Type: " + route.getValue()
                                    + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
                    assertThat(answer)
                            .as("%s with %s", route.getKey(), body)
                            .startsWith("HTTP/1.1 400 ")
                            .endsWith("\r\n\r\n" + "Body is not valid HTTP: its chunked encoding is malformed");
                    assertThat(dump(api.namespace, "job"))
                            .as("the job's keys after %s with %s", route.getKey(), body)
                            .isEqualTo(before);
                }
            }
            api.log("job", token, "a later row");
            assertThat(api.rows("job", 0, 10)).containsEntry("logs", List.of("the only row", "a later row"));

            // A route that refuses without the body has answered when the fault comes: nothing more is said,
            // and the connection, whose framing is lost, closes.
            Map<String, String> written = dump(api.namespace, "job");
            for (String body : MALFORMED) {
                assertThat(send(
                                server,
                                "POST " + api.job("job") + "/logs HTTP/1.1\r\nHost: localhost\r\n"
                                        + "Authorization: Bearer not-a-token\r\nContent-Type: text/plain"
                                        + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body))
                        .startsWith("HTTP/1.1 401 ")
                        .endsWith("\r\n\r\nUnauthorized");
            }
            assertThat(dump(api.namespace, "job")).isEqualTo(written);

            // A start takes no body, but one that comes is received whole before the job starts.
            String queued = api.add("queued");
            Map<String, String> queuedBefore = dump(api.namespace, "queued");
            for (String body : MALFORMED) {
                assertThat(send(
                                server,
                                "POST " + api.job("queued") + "/start HTTP/1.1\r\nHost: localhost\r\n"
                                        + "Authorization: Bearer " + queued
                                        + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body))
                        .startsWith("HTTP/1.1 400 ");
                assertThat(dump(api.namespace, "queued")).isEqualTo(queuedBefore);
            }
        }
        assertThat(output.getAll()).doesNotContain(" ERROR ").doesNotContain("\tat ");
    }

    @Test
    void aBodyThatStallsPastTheHeaderTimeoutIs408AndChangesNothing(CapturedOutput output) throws IOException {
        try (TestServer server = new TestServer(redis.url(), "jobwatch.http.header-timeout=1s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("job");
            api.log("job", token, "the only row");
            Map<String, String> before = dump(api.namespace, "job");
            String head = "POST " + api.job("job") + "/logs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + token + "\r\nContent-Type: text/plain\r\n";

            for (String stalled : List.of(
                    head + "Content-Length: 10\r\n\r\nabc", head + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")) {
                assertThat(send(server, stalled))
                        .as("the answer to %s, then nothing", stalled)
                        .startsWith("HTTP/1.1 408 ")
                        .endsWith("\r\n\r\nBody paused for longer than the server waits: send it without pauses");
                assertThat(dump(api.namespace, "job")).isEqualTo(before);
            }
            api.post(api.job("job") + "/logs", token, MediaType.TEXT_PLAIN, "a later row")
                    .expectStatus()
                    .isOk();
        }
        assertThat(output.getAll()).doesNotContain(" ERROR ").doesNotContain("\tat ");
    }

    /** Writes the request as is and reads the answer until the server closes the connection. */
    private static String send(TestServer server, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Every key of the job, as DUMP gives it, and its expiry left rounded to the minute. */
    private static Map<String, String> dump(String namespace, String id) {
        Map<String, String> dumps = new TreeMap<>();
        for (String key : connection.sync().keys("jobwatch:{" + namespace + "/" + id + "}:*")) {
            dumps.put(key, HexFormat.of().formatHex(connection.sync().dump(key)));
        }
        return dumps;
    }
}
