package dev.jobwatch.web;

import java.net.URI;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * A watcher's {@code token} query argument (browsers' {@code EventSource} cannot set headers), taken out
 * of the URL before anything can log the URL, and handed on in a header of its own. Without this,
 * turning on DEBUG logging for Spring's web layer would write every such token to the log.
 */
final class QueryToken {

    /** The header the handlers read the query's token from; a client that sends it gains nothing a Bearer token would not. */
    static final String HEADER = "X-Jobwatch-Query-Token";

    private static final String NAME = "token";

    private QueryToken() {}

    /** Wraps the whole HTTP handler, outside the layer that logs requests. */
    static HttpHandler outOfTheUrl(HttpHandler handler) {
        return (request, response) -> handler.handle(strip(request), response);
    }

    static ServerHttpRequest strip(ServerHttpRequest request) {
        String query = request.getURI().getRawQuery();
        if (query == null || !query.contains(NAME)) {
            return request;
        }
        String token = request.getQueryParams().getFirst(NAME);
        // The raw query is cut as text, so that no argument, however malformed, is decoded or re-encoded here.
        String kept = Arrays.stream(query.split("&"))
                .filter(part -> !part.equals(NAME) && !part.startsWith(NAME + "="))
                .collect(Collectors.joining("&"));
        String uri = request.getURI().toString();
        String withoutQuery = uri.substring(0, uri.indexOf('?'));
        ServerHttpRequest.Builder stripped =
                request.mutate().uri(URI.create(kept.isEmpty() ? withoutQuery : withoutQuery + "?" + kept));
        if (token != null) {
            stripped.headers(headers -> headers.set(HEADER, token));
        }
        return stripped.build();
    }
}
