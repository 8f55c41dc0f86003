package dev.jobwatch.web;

import dev.jobwatch.config.HttpProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * The SSE streams each client holds, so that one client cannot take a pod's every stream. A client is
 * an address: the connection's, or with proxies in front, the one the nearest trusted proxy put in
 * {@code X-Forwarded-For}. Only clients with an open stream have an entry, so the map is no larger than
 * the pod's streams; with no cap set there is no map work at all.
 */
final class ClientStreams {

    private static final String FORWARDED_FOR = "X-Forwarded-For";

    private static final Runnable UNCOUNTED = () -> {};

    private final int max;
    private final int trustedProxies;
    private final Map<String, Integer> open = new ConcurrentHashMap<>();
    /** The sum of {@link #open}'s counts, so that an operator sees slots held with no stream left. */
    private final AtomicInteger held = new AtomicInteger();

    ClientStreams(HttpProperties settings, MeterRegistry meters) {
        this.max = settings.maxStreamsPerClient();
        this.trustedProxies = settings.trustedProxies();
        Gauge.builder("jobwatch.client.streams.open", held, AtomicInteger::get)
                .description("SSE streams counted against their clients' caps (0 with no cap)")
                .register(meters);
    }

    /**
     * Takes one of the client's slots, and gives back what returns it (once, however often it runs);
     * with no cap, nothing is counted.
     *
     * @throws ApiException 429 when the client already holds its maximum
     */
    Runnable reserve(ServerRequest request) {
        if (max <= 0) {
            return UNCOUNTED;
        }
        String client = client(request);
        boolean[] admitted = new boolean[1];
        open.compute(client, (key, held) -> {
            int now = held == null ? 0 : held;
            admitted[0] = now < max;
            return admitted[0] ? now + 1 : held;
        });
        if (!admitted[0]) {
            throw new ApiException(
                    HttpStatus.TOO_MANY_REQUESTS,
                    "This client holds its maximum of " + max + " open streams: close one before opening another");
        }
        held.incrementAndGet();
        AtomicBoolean holding = new AtomicBoolean(true);
        return () -> {
            if (holding.compareAndSet(true, false)) {
                open.computeIfPresent(client, (key, count) -> count <= 1 ? null : count - 1);
                held.decrementAndGet();
            }
        };
    }

    private String client(ServerRequest request) {
        if (trustedProxies > 0) {
            List<String> forwarded = request.headers().header(FORWARDED_FOR).stream()
                    .flatMap(header -> Arrays.stream(header.split(",")))
                    .map(String::trim)
                    .filter(entry -> !entry.isEmpty())
                    .toList();
            if (forwarded.size() >= trustedProxies) {
                return forwarded.get(forwarded.size() - trustedProxies);
            }
        }
        return request.remoteAddress()
                .map(InetSocketAddress::getAddress)
                .map(InetAddress::getHostAddress)
                .orElse("unknown");
    }
}
