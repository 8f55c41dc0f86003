package dev.jobwatch.web;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/**
 * A plain-text answer: what a write answers once it is done, and what every request that failed before
 * its answer started is told ({@link ErrorResponses#classify}). WebFlux's routes write it with
 * {@link Answers#text(TextAnswer)}, Reactor Netty's own with {@link NettyWriteRoutes}; both write the same
 * status line, headers and body.
 *
 * @param retryAfter the {@code Retry-After} header's value, or null for none
 */
record TextAnswer(HttpStatusCode status, String text, String retryAfter) {

    static final TextAnswer OK = new TextAnswer(HttpStatus.OK, "OK");

    TextAnswer(HttpStatusCode status, String text) {
        this(status, text, null);
    }
}
