package dev.jobwatch.web;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import org.reactivestreams.Publisher;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.web.util.DisconnectedClientHelper;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The worker writes on Reactor Netty's own routes, which the server matches ahead of WebFlux on the
 * same port, so that the most frequent requests skip WebFlux's exchange, filters and handler mapping. A
 * request is taken here when it is a {@code POST} whose target is in the form {@link WorkerWriteTarget}
 * reads; everything else goes on to WebFlux, as before. The client cannot tell which answered: the same
 * handler ({@link WorkerHandler#write}), the same failures ({@link ErrorResponses#classify}), the same
 * {@link SecurityHeaders}, status line and plain-text body, written as WebFlux writes them, and the same
 * request metrics ({@link NettyRequestMetrics}).
 */
final class NettyWriteRoutes implements NettyRouteProvider {

    /**
     * Made once and copied into each answer: copied from headers of the same kind, they are not checked
     * again, as five headers set one by one would be.
     */
    private static final HttpHeaders SECURITY_HEADERS = securityHeaders();

    private final WorkerHandler workers;
    private final ErrorResponses errors;
    private final NettyRequestMetrics metrics;

    NettyWriteRoutes(WorkerHandler workers, ErrorResponses errors, NettyRequestMetrics metrics) {
        this.workers = workers;
        this.errors = errors;
        this.metrics = metrics;
    }

    @Override
    public HttpServerRoutes apply(HttpServerRoutes routes) {
        return routes.route(NettyWriteRoutes::takes, this::serve);
    }

    private static boolean takes(HttpServerRequest request) {
        return HttpMethod.POST.equals(request.method()) && WorkerWriteTarget.parse(request.uri()) != null;
    }

    /**
     * The write, then its answer. A failure of the write is answered as WebFlux's routes answer it; a
     * client that went away before its answer was written ends the request, as on WebFlux, and is no
     * error of the server's.
     */
    private Publisher<Void> serve(HttpServerRequest request, HttpServerResponse response) {
        // Parsed again: Reactor Netty asks a route's condition, then calls the route, and passes nothing on.
        WorkerWriteTarget target = WorkerWriteTarget.parse(request.uri());
        NettyRequestView view = new NettyRequestView(request, target);
        NettyRequestMetrics.Request measured = metrics.start(target.write());
        return workers.write(target.write(), view)
                .thenReturn(TextAnswer.OK)
                .onErrorResume(error -> Mono.just(errors.classify(error, view)))
                .flatMap(answer -> send(response, answer))
                .doOnSuccess(done -> measured.answered(response))
                .doOnError(error -> measured.failed(response, error))
                .doOnCancel(() -> measured.aborted(response))
                .onErrorResume(DisconnectedClientHelper::isClientDisconnectedException, gone -> Mono.empty());
    }

    /** The answer, its headers named and ordered as WebFlux writes them after {@link SecurityHeaders}. */
    private static Mono<Void> send(HttpServerResponse response, TextAnswer answer) {
        byte[] body = answer.text().getBytes(StandardCharsets.UTF_8);
        HttpHeaders headers = response.status(
                        HttpResponseStatus.valueOf(answer.status().value()))
                .responseHeaders()
                .add(SECURITY_HEADERS);
        if (answer.retryAfter() != null) {
            headers.set("Retry-After", answer.retryAfter());
        }
        headers.set("Content-Type", "text/plain").set("Content-Length", body.length);
        return response.send(Mono.just(Unpooled.wrappedBuffer(body))).then();
    }

    private static HttpHeaders securityHeaders() {
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        SecurityHeaders.set(headers::set);
        return headers;
    }
}
