package dev.jobwatch.web;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.ServerRequest;

/** The token of an {@code Authorization: Bearer} header, as every route family reads it. */
final class Bearer {

    private Bearer() {}

    /** The token, or null when the request has no bearer header. */
    static String token(ServerRequest request) {
        String header = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }
}
