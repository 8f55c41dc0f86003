package dev.jobwatch.web;

import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Flux;

/**
 * What a handler reads of a request, whichever part of the server carries it: a WebFlux route's
 * {@link ServerRequest} ({@link #of}), or Reactor Netty's own request on the routes served ahead of
 * WebFlux ({@link NettyRequestView}). The handlers' steps (the path's names, the bearer token, the
 * headers, the body within its limit) are written once against this view; {@link RequestBodies} reads
 * every body through it.
 */
interface RequestView {

    static RequestView of(ServerRequest request) {
        return new ServerRequestView(request);
    }

    /** The route's path variable of that name, decoded; the route's pattern always names it. */
    String pathVariable(String name);

    /** The header's first value, or null when it was not sent. */
    String header(String name);

    /** Every value the header was sent with, in order; empty when it was not sent. */
    List<String> headers(String name);

    /** The length that {@code Content-Length} declares, or -1 when the request declares none. */
    long contentLength();

    /** The body as it arrives, each buffer for its reader to release; empty when there is none. Read once. */
    Flux<DataBuffer> body();

    /** Method and path, without the query (which may hold a token): where a fault happened, for the log. */
    String where();
}
