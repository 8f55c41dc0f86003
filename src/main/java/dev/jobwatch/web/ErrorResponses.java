package dev.jobwatch.web;

import dev.jobwatch.auth.UnauthorizedException;
import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.JobCompletedException;
import dev.jobwatch.job.JobExistsException;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobNotHeldException;
import dev.jobwatch.store.StoreUnavailableException;
import dev.jobwatch.watch.TooManyStreamsException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/** The one place where a failure becomes a status and a plain-text message, before the response starts. */
final class ErrorResponses {

    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);
    private static final long RETRY_AFTER_SECONDS = 5;

    private ErrorResponses() {
    }

    static Mono<ServerResponse> toResponse(Throwable error, ServerRequest request) {
        if (error instanceof InvalidInputException) {
            return text(HttpStatus.BAD_REQUEST, error.getMessage());
        }
        if (error instanceof UnauthorizedException || error instanceof JobNotHeldException) {
            return text(HttpStatus.UNAUTHORIZED, "Unauthorized");
        }
        if (error instanceof JobNotFoundException) {
            return text(HttpStatus.NOT_FOUND, "Job not found");
        }
        if (error instanceof JobCompletedException || error instanceof JobExistsException) {
            return text(HttpStatus.CONFLICT, error.getMessage());
        }
        if (error instanceof ApiException api) {
            return text(api.status(), api.getMessage());
        }
        if (error instanceof TooManyStreamsException) {
            // Spread over a few seconds, so that the watchers a full pod turns away do not all come back at once.
            long retryAfter = RETRY_AFTER_SECONDS + ThreadLocalRandom.current().nextLong(RETRY_AFTER_SECONDS + 1);
            return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter))
                    .contentType(MediaType.TEXT_PLAIN).bodyValue(error.getMessage());
        }
        if (error instanceof StoreUnavailableException) {
            log.warn("{} {}: {}", request.method(), request.path(), error.getMessage());
            return text(HttpStatus.SERVICE_UNAVAILABLE, "Redis is unavailable; try again shortly");
        }
        if (error instanceof ResponseStatusException status) {
            return text(status.getStatusCode(), status.getReason() == null ? status.getMessage() : status.getReason());
        }
        log.error("{} {} failed", request.method(), request.path(), error);
        return text(HttpStatus.INTERNAL_SERVER_ERROR, "Internal server error");
    }

    private static Mono<ServerResponse> text(HttpStatusCode status, String message) {
        return ServerResponse.status(status).contentType(MediaType.TEXT_PLAIN).bodyValue(message);
    }
}
