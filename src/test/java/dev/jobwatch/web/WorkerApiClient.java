package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Talks to a running server as a producer and as a worker would, in a namespace of its own. */
public final class WorkerApiClient {

    public static final String PRODUCER = "producer-token-1";

    public final WebTestClient http;
    public final String namespace = "t-" + UUID.randomUUID();

    public WorkerApiClient(int port) {
        this.http =
                WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    }

    /** The server's metrics as Prometheus scrapes them ({@code /actuator/prometheus}). */
    public String metrics() {
        return http.get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
    }

    public String jobs() {
        return "/queues/" + namespace + "/jobs";
    }

    public String job(String id) {
        return jobs() + "/" + id;
    }

    /** Adds one job with that id and gives back its job token. */
    public String add(String id) {
        return (String) added(id).get("token");
    }

    /** Adds one job with that id and gives back the job as the add answers it, with its {@code token} and {@code watch_token}. */
    public Map<String, Object> added(String id) {
        List<Map<String, Object>> added = http.post()
                .uri(jobs())
                .header("Authorization", "Bearer " + PRODUCER)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("[{\"name\":\"test\",\"data\":{\"n\":1},\"id\":\"" + id + "\"}]")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                .returnResult()
                .getResponseBody();
        assertThat(added).hasSize(1);
        return added.get(0);
    }

    public WebTestClient.ResponseSpec post(String path, String token, MediaType type, String body) {
        WebTestClient.RequestBodySpec request = http.post().uri(path);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (type != null) {
            request.contentType(type);
        }
        return body == null ? request.exchange() : request.bodyValue(body).exchange();
    }

    public WebTestClient.ResponseSpec get(String path, String token) {
        WebTestClient.RequestHeadersSpec<?> request = http.get().uri(path);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.exchange();
    }

    public void log(String id, String token, String row) {
        post(job(id) + "/logs", token, MediaType.TEXT_PLAIN, row).expectStatus().isOk();
    }

    /** The job object as a producer reads it. */
    Map<String, Object> document(String id) {
        return get(job(id), PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                .returnResult()
                .getResponseBody();
    }

    /** The log rows as a producer reads them: {@code count} and {@code logs}. */
    Map<String, Object> rows(String id, long start, long length) {
        return get(job(id) + "/logs?start=" + start + "&length=" + length, PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                .returnResult()
                .getResponseBody();
    }
}
