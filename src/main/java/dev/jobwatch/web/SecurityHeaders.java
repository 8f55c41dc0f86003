package dev.jobwatch.web;

import java.util.function.BiConsumer;

/**
 * The headers every answer carries, whichever part of the server writes it. Answers are data for
 * programs, never pages: no type sniffing, no framing, no referrer, and not kept in caches unless a
 * route says otherwise (the SSE route sets {@code Cache-Control: no-cache}, which replaces this default
 * when its response is written).
 */
final class SecurityHeaders {

    private SecurityHeaders() {}

    /** Sets each header, in this order, through {@code headers}' set. */
    static void set(BiConsumer<String, String> headers) {
        headers.accept("X-Content-Type-Options", "nosniff");
        headers.accept("X-Frame-Options", "DENY");
        headers.accept("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        headers.accept("Referrer-Policy", "no-referrer");
        headers.accept("Cache-Control", "no-store");
    }
}
