package dev.jobwatch.web;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The answers WebFlux's handlers give: {@code OK} after a write, a JSON document, or plain text. */
final class Answers {

    private Answers() {}

    static Mono<ServerResponse> ok(Mono<Void> write) {
        return write.then(text(TextAnswer.OK));
    }

    static Mono<ServerResponse> json(JsonMapper mapper, JsonNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(mapper.writeValueAsString(body));
    }

    static Mono<ServerResponse> text(String body) {
        return text(new TextAnswer(HttpStatus.OK, body));
    }

    static Mono<ServerResponse> text(TextAnswer answer) {
        ServerResponse.BodyBuilder response = ServerResponse.status(answer.status());
        if (answer.retryAfter() != null) {
            response.header(HttpHeaders.RETRY_AFTER, answer.retryAfter());
        }
        return response.contentType(MediaType.TEXT_PLAIN).bodyValue(answer.text());
    }
}
