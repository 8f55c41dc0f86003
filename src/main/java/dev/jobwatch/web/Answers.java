package dev.jobwatch.web;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The 200 answers the handlers give: {@code OK} after a write, a JSON document, or plain text. */
final class Answers {

    private Answers() {}

    static Mono<ServerResponse> ok(Mono<Void> write) {
        return write.then(text("OK"));
    }

    static Mono<ServerResponse> json(JsonMapper mapper, JsonNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(mapper.writeValueAsString(body));
    }

    static Mono<ServerResponse> text(String body) {
        return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue(body);
    }
}
