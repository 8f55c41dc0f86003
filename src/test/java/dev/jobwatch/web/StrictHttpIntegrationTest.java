package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests that RFC 9112 says a server must refuse (no Host on HTTP/1.1, two Hosts, a Host that is no
 * host, a version other than 1.0 or 1.1), and a path whose %-escape is cut short, get 400 with a plain-text
 * reason and a closed connection, and reach no route: a write sent that way changes nothing. HTTP/1.0
 * without Host is still served.
 */
class StrictHttpIntegrationTest {

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private static TestServer server;
    private static WorkerApiClient api;
    private static String jobToken;

    @BeforeAll
    static void start() {
        server = new TestServer(redis.url());
        api = new WorkerApiClient(server.port());
        jobToken = api.add("strict");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aRequestTheRfcSaysToRefuseGets400AndAClosedConnectionAndChangesNothing() throws IOException {
        String row = "POST " + api.job("strict") + "/logs %s\r\n%sAuthorization: Bearer " + jobToken
                + "\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nrow!";
        Map<String, String> refused = Map.of(
                String.format(row, "HTTP/1.1", ""),
                "An HTTP/1.1 request needs a Host header",
                String.format(row, "HTTP/1.1", "Host: localhost\r\nHost: elsewhere\r\n"),
                "A request may carry only one Host header",
                String.format(row, "HTTP/1.0", "Host: a\r\nHost: a\r\n"),
                "A request may carry only one Host header",
                String.format(row, "HTTP/1.1", "Host: local host/x\r\n"),
                "The Host header is not a host and port",
                String.format(row, "HTTP/3.0", "Host: localhost\r\n"),
                "Only HTTP/1.1 and HTTP/1.0 are served",
                String.format(row, "HTTP/2.0", "Host: localhost\r\n"),
                "Only HTTP/1.1 and HTTP/1.0 are served",
                String.format(row, "HTTP/1.2", "Host: localhost\r\n"),
                "Only HTTP/1.1 and HTTP/1.0 are served",
                String.format(row, "HTTP/0.9", "Host: localhost\r\n"),
                "Only HTTP/1.1 and HTTP/1.0 are served",
                "GET /jobs/demo/%E0%A4%A?a=%ZZ HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "The request's path holds a malformed %-escape");
        for (Map.Entry<String, String> request : refused.entrySet()) {
            String answer = untilClosed(request.getKey());
            assertThat(answer)
                    .as("the answer to %s", request.getKey())
                    .startsWith("HTTP/1.1 400 ")
                    .containsIgnoringCase("\r\nContent-Type: text/plain")
                    .containsIgnoringCase("\r\nConnection: close\r\n")
                    .endsWith("\r\n\r\n" + request.getValue());
        }
        assertThat(api.rows("strict", 0, 100))
                .as("no refused request reached the route")
                .containsEntry("count", 0)
                .containsEntry("logs", List.of());
    }

    @Test
    void http10WithoutHostAndHttp11WithOneHostAreServed() throws IOException {
        String get = "GET " + api.job("strict") + " %s\r\n%sAuthorization: Bearer " + PRODUCER
                + "\r\nConnection: close\r\n\r\n";
        for (String request : List.of(
                String.format(get, "HTTP/1.0", ""),
                String.format(get, "HTTP/1.1", "Host: localhost\r\n"),
                String.format(get, "HTTP/1.1", "Host: 127.0.0.1:" + server.port() + "\r\n"),
                String.format(get, "HTTP/1.1", "Host: [::1]:8080\r\n"),
                String.format(get, "HTTP/1.1", "Host: jobwatch.example.com\r\n"))) {
            assertThat(untilClosed(request))
                    .as("the answer to %s", request)
                    .matches("(?s)HTTP/1\\.[01] 200 .*\"id\":\"strict\".*");
        }
    }

    /** Writes the request on a connection of its own and reads until the server closes it. */
    private static String untilClosed(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
