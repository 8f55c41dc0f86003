package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.test.context.ActiveProfiles;

/**
 * A worker's write in its usual form is served on Reactor Netty's own route, ahead of WebFlux, and its
 * client cannot tell: the answer (status line, headers, body) and the request metrics are those of the
 * same write served by WebFlux's route, which takes the same path written another way (an escaped
 * letter). A test decorator marks every answer WebFlux writes, so each test knows which part answered.
 */
@ActiveProfiles("test")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(NettyWriteRoutesIntegrationTest.WebFluxMarked.class)
class NettyWriteRoutesIntegrationTest {

    private static final String MARK = "X-Test-Answered-By";
    private static final Pattern SERIES = Pattern.compile("(?m)^http_server_requests_seconds_count\\{(.*)} (\\S+)$");
    private static final Pattern TAG = Pattern.compile("(\\w+)=\"[^\"]*\"");
    private static final Set<String> TAG_KEYS =
            Set.of("application", "error", "exception", "method", "outcome", "status", "uri");
    private static final List<String> SECURITY_HEADERS = List.of(
            "X-Content-Type-Options: nosniff",
            "X-Frame-Options: DENY",
            "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'",
            "Referrer-Policy: no-referrer",
            "Cache-Control: no-store");

    @LocalServerPort
    int port;

    private WorkerApiClient api;

    @BeforeEach
    void client() {
        api = new WorkerApiClient(port);
    }

    @Test
    void aWriteOnTheNettyRouteIsAnsweredAndCountedAsOnWebFlux() throws IOException {
        String token = api.add("netty-1");
        String uri = "/queues/{q}/jobs/{id}/logs";
        double before = count(uri, "200");

        Answer netty = send("POST", api.job("netty-1") + "/logs", token, "\"row one\"");
        Answer webFlux = send("POST", api.job("netty-1") + "/%6Cogs", token, "\"row two\"");

        assertThat(netty.answeredBy()).as("the usual form's answer").isNull();
        assertThat(webFlux.answeredBy()).as("the escaped form's answer").isEqualTo("webflux");
        assertThat(netty.status()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(netty.headers())
                .containsExactlyElementsOf(
                        concat(SECURITY_HEADERS, "Content-Type: text/plain", "Content-Length: 2", "connection: close"));
        assertThat(netty.body()).isEqualTo("OK");
        assertThat(netty).isEqualTo(webFlux.unmarked());
        assertThat(api.rows("netty-1", 0, 10)).containsEntry("logs", List.of("row one", "row two"));

        assertThat(count(uri, "200") - before)
                .as("writes counted under the route's pattern")
                .isEqualTo(2);
        assertThat(tagKeys(uri, "200")).isEqualTo(TAG_KEYS);

        assertThat(send("GET", api.job("netty-1") + "/logs?start=0&length=1", token, null)
                        .answeredBy())
                .as("a read of the same path")
                .isEqualTo("webflux");
    }

    @Test
    void aRefusalOnTheNettyRouteIsAnsweredAndCountedAsOnWebFlux() throws IOException {
        String token = api.add("netty-2");
        String uri = "/queues/{q}/jobs/{id}/progress";
        double unauthorized = count(uri, "401");
        double tooLarge = count(uri, "413");

        Answer netty = send("POST", api.job("netty-2") + "/progress", "not-a-token", "42");
        Answer webFlux = send("POST", api.job("netty-2") + "/%70rogress", "not-a-token", "42");
        assertThat(netty.answeredBy()).isNull();
        assertThat(webFlux.answeredBy()).isEqualTo("webflux");
        assertThat(netty.status()).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(netty.headers())
                .containsExactlyElementsOf(concat(
                        SECURITY_HEADERS, "Content-Type: text/plain", "Content-Length: 12", "connection: close"));
        assertThat(netty.body()).isEqualTo("Unauthorized");
        assertThat(netty).isEqualTo(webFlux.unmarked());

        // Refused on its declared length: the body is never sent, so the connection closes with nothing unread.
        long large = 16 * 1024 + 1;
        netty = send("POST", api.job("netty-2") + "/progress", token, large, "");
        webFlux = send("POST", api.job("netty-2") + "/%70rogress", token, large, "");
        assertThat(netty.answeredBy()).isNull();
        assertThat(netty.status()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
        assertThat(netty.body()).isEqualTo("Progress is larger than the limit of 16 KiB");
        assertThat(netty).isEqualTo(webFlux.unmarked());

        await().untilAsserted(() -> {
            assertThat(count(uri, "401") - unauthorized).isEqualTo(2);
            assertThat(count(uri, "413") - tooLarge).isEqualTo(2);
        });
        assertThat(tagKeys(uri, "401")).isEqualTo(TAG_KEYS);
        assertThat(tagKeys(uri, "413")).isEqualTo(TAG_KEYS);
    }

    /** What a client reads: the status line, the header lines in order, and the body. */
    private record Answer(String status, List<String> headers, String body) {

        String answeredBy() {
            return headers.stream()
                    .filter(header -> header.startsWith(MARK + ": "))
                    .map(header -> header.substring(MARK.length() + 2))
                    .findFirst()
                    .orElse(null);
        }

        Answer unmarked() {
            return new Answer(
                    status,
                    headers.stream()
                            .filter(header -> !header.startsWith(MARK + ": "))
                            .toList(),
                    body);
        }
    }

    private Answer send(String method, String path, String token, String body) throws IOException {
        return send(method, path, token, body == null ? -1 : body.length(), body);
    }

    /**
     * The request as a client writes it, with the length it declares (none when negative), on a
     * connection of its own that closes after the answer.
     */
    private Answer send(String method, String path, String token, long length, String body) throws IOException {
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n")
                .append("Authorization: Bearer ")
                .append(token)
                .append("\r\nConnection: close\r\n");
        if (length >= 0) {
            request.append("Content-Type: application/json\r\nContent-Length: ")
                    .append(length)
                    .append("\r\n");
        }
        request.append("\r\n").append(body == null ? "" : body);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = answer.indexOf("\r\n\r\n");
            List<String> head = List.of(answer.substring(0, end).split("\r\n"));
            return new Answer(head.get(0), head.subList(1, head.size()), answer.substring(end + 4));
        }
    }

    private double count(String uri, String status) {
        Matcher series = series(uri, status);
        return series == null ? 0 : Double.parseDouble(series.group(2));
    }

    private Set<String> tagKeys(String uri, String status) {
        Matcher series = series(uri, status);
        assertThat(series).as("the series of %s %s", uri, status).isNotNull();
        Set<String> keys = new TreeSet<>();
        Matcher tag = TAG.matcher(series.group(1));
        while (tag.find()) {
            keys.add(tag.group(1));
        }
        return keys;
    }

    private Matcher series(String uri, String status) {
        Matcher series = SERIES.matcher(api.metrics());
        while (series.find()) {
            String tags = series.group(1);
            if (tags.contains("method=\"POST\"")
                    && tags.contains("uri=\"" + uri + "\"")
                    && tags.contains("status=\"" + status + "\"")) {
                return series;
            }
        }
        return null;
    }

    private static List<String> concat(List<String> first, String... more) {
        return Stream.concat(first.stream(), Stream.of(more)).toList();
    }

    /** Marks every answer WebFlux writes, set before the handler runs, as the security headers are. */
    @TestConfiguration(proxyBeanMethods = false)
    static class WebFluxMarked {

        @Bean
        HttpHandlerDecoratorFactory markWebFluxAnswers() {
            return handler -> (request, response) -> {
                response.getHeaders().set(MARK, "webflux");
                return handler.handle(request, response);
            };
        }
    }
}
