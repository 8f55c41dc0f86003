package dev.jobwatch.harness;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;

/**
 * The floor under jobwatch's memory per watcher: a bare Reactor Netty server that answers jobwatch's
 * watch path with the same SSE headers and one first update, then holds the stream open, and fakes the
 * job add the idle scenario starts with. What an idle watcher costs here is what Netty and Reactor
 * Netty cost for one open HTTP/1.1 stream; the rest of jobwatch's figure is Spring WebFlux's exchange
 * and handler chain, and jobwatch's own stream. Run: {@code java -cp jobwatch-harness.jar
 * dev.jobwatch.harness.Floor 8083}, then the harness with {@code --base=http://127.0.0.1:8083 --pid=<its pid>}.
 */
public final class Floor {

    private Floor() {}

    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8083;
        byte[] firstUpdate =
                "id:1:0:0\ndata:{\"type\":\"update\",\"completed\":false,\"log_offset\":1,\"stream_offset\":0}\n\n"
                        .getBytes(StandardCharsets.UTF_8);
        StringBuilder jobs = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            jobs.append(i > 0 ? "," : "").append("{\"id\":\"floor\",\"token\":\"floor\"}");
        }
        byte[] added = jobs.append(']').toString().getBytes(StandardCharsets.UTF_8);
        HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .route(routes -> routes.post(
                                "/queues/{q}/jobs",
                                (request, response) -> response.header("Content-Type", "application/json")
                                        .sendByteArray(
                                                request.receive().aggregate().then(Mono.just(added))))
                        .get("/actuator/health/readiness", (request, response) -> response.sendString(Mono.just("{}")))
                        .get(
                                "/api/w/{ws}/jobs_u/getupdate_sse/{id}",
                                (request, response) -> response.header("Content-Type", "text/event-stream")
                                        .header("Cache-Control", "no-cache")
                                        .header("X-Accel-Buffering", "no")
                                        .send(Flux.concat(
                                                Mono.just(Unpooled.wrappedBuffer(firstUpdate)), Flux.never()))))
                .bindNow()
                .onDispose()
                .block();
    }
}
