package dev.jobwatch.web;

import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Flux;

/** A WebFlux route's request as the handlers read it. */
record ServerRequestView(ServerRequest request) implements RequestView {

    @Override
    public String pathVariable(String name) {
        return request.pathVariable(name);
    }

    @Override
    public String header(String name) {
        return request.headers().firstHeader(name);
    }

    @Override
    public List<String> headers(String name) {
        return request.headers().header(name);
    }

    @Override
    public long contentLength() {
        return request.headers().contentLength().orElse(-1);
    }

    @Override
    public Flux<DataBuffer> body() {
        return request.body(BodyExtractors.toDataBuffers());
    }

    @Override
    public String where() {
        return request.method() + " " + request.path();
    }
}
