package dev.jobwatch.web;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.netty.http.server.HttpServerRequest;

/**
 * A request on Reactor Netty's own routes as the handlers read it, with the names its target was parsed
 * into. Its headers and body are what a WebFlux route would read of the same request: Spring's request
 * reads the same Netty headers, and its body is the same Netty buffers, retained and wrapped alike.
 */
record NettyRequestView(HttpServerRequest request, WorkerWriteTarget target) implements RequestView {

    /** Wraps the body's buffers; the allocator only joins a body of several buffers. */
    private static final NettyDataBufferFactory BUFFERS = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);

    @Override
    public String pathVariable(String name) {
        return switch (name) {
            case "q" -> target.namespace();
            case "id" -> target.id();
            default ->
                throw new IllegalArgumentException(
                        "No path variable " + name + " in " + target.write().pattern());
        };
    }

    @Override
    public String header(String name) {
        return request.requestHeaders().get(name);
    }

    @Override
    public List<String> headers(String name) {
        return request.requestHeaders().getAll(name);
    }

    @Override
    public long contentLength() {
        String declared = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        return declared == null ? -1 : Long.parseLong(declared);
    }

    @Override
    public Flux<DataBuffer> body() {
        return request.receive().retain().map(buffer -> BUFFERS.wrap(buffer));
    }

    @Override
    public String where() {
        return request.method().name() + " " + target.path();
    }
}
