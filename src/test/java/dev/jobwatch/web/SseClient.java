package dev.jobwatch.web;

import java.time.Duration;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Watches jobs over SSE as a Windmill client would, with room for many streams at once. */
public final class SseClient {

    public static final JsonMapper JSON = JsonMapper.builder().build();

    private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENT = new ParameterizedTypeReference<>() {
    };

    private final WebClient http;

    public SseClient(int port) {
        ConnectionProvider pool = ConnectionProvider.builder("sse-test")
                .maxConnections(12_000)
                .pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(Duration.ofSeconds(60))
                .build();
        this.http = WebClient.builder()
                .baseUrl("http://localhost:" + port)
                .clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool)))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
                .build();
    }

    /** The events of one stream; {@code lastEventId} and {@code token} may be null. */
    public Flux<ServerSentEvent<String>> events(String workspace, String id, String query, String lastEventId, String token) {
        return http.get()
                .uri("/api/w/" + workspace + "/jobs_u/getupdate_sse/" + id + (query.isEmpty() ? "" : "?" + query))
                .headers(headers -> {
                    if (lastEventId != null) {
                        headers.set("Last-Event-ID", lastEventId);
                    }
                    if (token != null) {
                        headers.setBearerAuth(token);
                    }
                })
                .retrieve()
                .bodyToFlux(EVENT);
    }

    /** The updates of one stream, watched with a producer token as a trusted backend would. */
    public Flux<JsonNode> updates(String workspace, String id, String query) {
        return updates(workspace, id, query, WorkerApiClient.PRODUCER);
    }

    public Flux<JsonNode> updates(String workspace, String id, String query, String token) {
        return events(workspace, id, query, null, token).map(event -> JSON.readTree(event.data()));
    }

    WebClient http() {
        return http;
    }
}
