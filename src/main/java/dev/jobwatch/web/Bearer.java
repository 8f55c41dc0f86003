package dev.jobwatch.web;

import org.springframework.http.HttpHeaders;

/** The token of an {@code Authorization: Bearer} header, as every route family reads it. */
final class Bearer {

    private Bearer() {}

    /** The token, or null when the request has no bearer header. */
    static String token(RequestView request) {
        String header = request.header(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }
}
