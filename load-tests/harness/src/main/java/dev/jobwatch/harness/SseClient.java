package dev.jobwatch.harness;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The load tests' SSE client: opens many watch streams, one connection each, from source addresses
 * 127.0.0.2 up (so that their count is not capped by one address's ephemeral ports), and reads each with an
 * {@link SseStream}. It counts the streams open and those that failed to open, and gathers what all of them
 * heard in one {@link Deliveries}.
 */
final class SseClient {

    private final HttpClient[] sources;
    private final int connectConcurrency;
    private final long settleMillis;
    private final Deliveries deliveries = new Deliveries();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    /**
     * @param bearer the {@code Authorization} token each stream sends, or null for none
     * @param connectConcurrency how many streams may be connecting at once
     * @param settleMillis the pause after closing streams, for the server to let go of them
     */
    SseClient(LoopResources loops, int sourceCount, String bearer, int connectConcurrency, long settleMillis) {
        this.connectConcurrency = connectConcurrency;
        this.settleMillis = settleMillis;
        ConnectionProvider single = ConnectionProvider.newConnection();
        sources = new HttpClient[sourceCount];
        for (int i = 0; i < sourceCount; i++) {
            String address = "127.0.0." + (2 + i);
            sources[i] = HttpClient.create(single)
                    .runOn(loops)
                    .bindAddress(() -> new InetSocketAddress(address, 0))
                    .headers(h -> {
                        h.set("Accept", "text/event-stream");
                        if (bearer != null) {
                            h.set("Authorization", "Bearer " + bearer);
                        }
                    });
        }
    }

    Deliveries deliveries() {
        return deliveries;
    }

    /** Streams answered 200 and not ended yet. */
    int open() {
        return open.get();
    }

    /** Streams that did not open (a status other than 200, or a connection error) since the last reset. */
    int failed() {
        return failed.get();
    }

    void resetFailed() {
        failed.set(0);
    }

    /**
     * Opens n streams on those URIs, round robin from {@code offset}, and waits until each has answered its
     * headers (or 30 s).
     */
    List<SseStream> open(List<String> uris, int n, int offset) {
        List<SseStream> list = new ArrayList<>(n);
        Flux.range(0, n)
                .flatMap(
                        i -> {
                            SseStream stream = new SseStream((offset + i) % uris.size(), deliveries);
                            synchronized (list) {
                                list.add(stream);
                            }
                            Sinks.Empty<Void> headers = Sinks.empty();
                            stream.connectedBy(sources[(offset + i) % sources.length]
                                    .get()
                                    .uri(uris.get(stream.target()))
                                    .response((res, body) -> {
                                        if (res.status().code() == 200) {
                                            open.incrementAndGet();
                                            headers.tryEmitEmpty();
                                            return body.doOnNext(stream::scan)
                                                    .doFinally(s -> open.decrementAndGet())
                                                    .then();
                                        }
                                        failed.incrementAndGet();
                                        headers.tryEmitEmpty();
                                        return body.then();
                                    })
                                    .subscribe(v -> {}, e -> {
                                        failed.incrementAndGet();
                                        headers.tryEmitEmpty();
                                    }));
                            return headers.asMono().timeout(Duration.ofSeconds(30), Mono.empty());
                        },
                        connectConcurrency)
                .blockLast(Duration.ofMinutes(10));
        return list;
    }

    /** Closes those streams, waits (up to 30 s) until none is open, then lets the server settle. */
    void closeAll(List<SseStream> streams) {
        streams.forEach(SseStream::close);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (open.get() > 0 && System.nanoTime() < deadline) {
            Time.sleep(200);
        }
        streams.clear();
        Time.sleep(settleMillis);
    }
}
