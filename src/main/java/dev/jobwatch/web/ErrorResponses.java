package dev.jobwatch.web;

import dev.jobwatch.auth.UnauthorizedException;
import dev.jobwatch.job.IdempotencyKeyReusedException;
import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.JobCompletedException;
import dev.jobwatch.job.JobExistsException;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobNotHeldException;
import dev.jobwatch.store.StoreFaultException;
import dev.jobwatch.store.StoreUnavailableException;
import dev.jobwatch.watch.TooManyStreamsException;
import io.netty.handler.timeout.ReadTimeoutException;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/**
 * The one place where a failure becomes a status and a plain-text message, before the response starts,
 * or the message of a stream's last event after it started. A client reads only jobwatch's own words:
 * what Redis or a library said goes to the server's log, at most once per interval for each kind.
 */
final class ErrorResponses {

    private static final long RETRY_AFTER_SECONDS = 5;
    static final String UNAVAILABLE = "Redis is unavailable; try again shortly";
    static final String FAULT = "Redis could not serve this request; try again shortly";
    static final String INTERNAL = "Internal server error";
    static final String BODY_TIMEOUT = "Body paused for longer than the server waits: send it without pauses";

    private final FaultLog faults;

    ErrorResponses(FaultLog faults) {
        this.faults = faults;
    }

    /** The failure as an answer of a WebFlux route. */
    Mono<ServerResponse> toResponse(Throwable error, ServerRequest request) {
        return Answers.text(classify(error, RequestView.of(request)));
    }

    /**
     * What the client of a request that failed before its answer started is told, whichever part of the
     * server answers it (a WebFlux route, {@link NettyWriteRoutes}); a fault of the server's, or a body
     * that stopped coming, is logged here.
     */
    TextAnswer classify(Throwable error, RequestView request) {
        if (error instanceof InvalidInputException) {
            return new TextAnswer(HttpStatus.BAD_REQUEST, error.getMessage());
        }
        if (error instanceof UnauthorizedException || error instanceof JobNotHeldException) {
            return new TextAnswer(HttpStatus.UNAUTHORIZED, "Unauthorized");
        }
        if (error instanceof JobNotFoundException) {
            return new TextAnswer(HttpStatus.NOT_FOUND, "Job not found");
        }
        if (error instanceof JobCompletedException || error instanceof JobExistsException) {
            return new TextAnswer(HttpStatus.CONFLICT, error.getMessage());
        }
        if (error instanceof IdempotencyKeyReusedException) {
            return new TextAnswer(HttpStatus.UNPROCESSABLE_CONTENT, error.getMessage());
        }
        if (error instanceof ApiException api) {
            return new TextAnswer(api.status(), api.getMessage());
        }
        if (error instanceof TooManyStreamsException) {
            // Spread over a few seconds, so that the watchers a full pod turns away do not all come back at once.
            long retryAfter = RETRY_AFTER_SECONDS + ThreadLocalRandom.current().nextLong(RETRY_AFTER_SECONDS + 1);
            return new TextAnswer(HttpStatus.SERVICE_UNAVAILABLE, error.getMessage(), Long.toString(retryAfter));
        }
        if (error instanceof StoreUnavailableException || error instanceof StoreFaultException) {
            faults.unavailable(request.where(), error);
            return new TextAnswer(HttpStatus.SERVICE_UNAVAILABLE, publicMessage(error));
        }
        if (error instanceof ReadTimeoutException) {
            // The client stopped sending its body: its fault, and the connection is closed after this answer.
            faults.refused(request.where() + " stopped sending its body", error);
            return new TextAnswer(HttpStatus.REQUEST_TIMEOUT, BODY_TIMEOUT);
        }
        if (error instanceof ResponseStatusException status) {
            return new TextAnswer(
                    status.getStatusCode(), status.getReason() == null ? status.getMessage() : status.getReason());
        }
        faults.failed(request.where(), error);
        return new TextAnswer(HttpStatus.INTERNAL_SERVER_ERROR, INTERNAL);
    }

    /**
     * The message of a stream's {@code error} event for a failure after the stream started: the words a
     * response before it would have had, never the failure's own text. Logged as {@link #toResponse} logs:
     * what the client's request or token caused (a stale watch token among them) is an expected end, not logged.
     */
    String streamError(Throwable error, ServerRequest request) {
        if (error instanceof StoreUnavailableException || error instanceof StoreFaultException) {
            faults.unavailable(where(request), error);
        } else if (!(error instanceof InvalidInputException
                || error instanceof UnauthorizedException
                || error instanceof JobNotHeldException
                || error instanceof JobNotFoundException
                || error instanceof JobCompletedException
                || error instanceof ApiException)) {
            faults.failed(where(request), error);
        }
        return publicMessage(error);
    }

    private static String publicMessage(Throwable error) {
        if (error instanceof InvalidInputException
                || error instanceof JobCompletedException
                || error instanceof JobExistsException
                || error instanceof IdempotencyKeyReusedException
                || error instanceof ApiException
                || error instanceof TooManyStreamsException) {
            return error.getMessage();
        }
        if (error instanceof UnauthorizedException || error instanceof JobNotHeldException) {
            return "Unauthorized";
        }
        if (error instanceof JobNotFoundException) {
            return "Job not found";
        }
        if (error instanceof StoreUnavailableException) {
            return UNAVAILABLE;
        }
        if (error instanceof StoreFaultException) {
            return FAULT;
        }
        return INTERNAL;
    }

    /** Method and path only: a query may hold a token. */
    private static String where(ServerRequest request) {
        return RequestView.of(request).where();
    }
}
