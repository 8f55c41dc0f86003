package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.config.StreamCapacity;
import dev.jobwatch.config.WatchProperties;
import dev.jobwatch.watch.WatchService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.Disposable;

/**
 * Connections that send nothing, half a request or a byte now and then are closed; streams and kept-alive
 * connections in use are not; a pod takes what its heap holds, and a client no more than its share.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConnectionLimitsIntegrationTest {

    /** Watchers here come without a token: open watching is set, not assumed to be the default. */
    private static final String OPEN_WATCHING = "jobwatch.watch.auth=open";

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void connectionsThatDoNotBringARequestAreClosedButStreamsAndKeptAliveConnectionsStay() throws Exception {
        try (TestServer server = new TestServer(
                redis.url(),
                OPEN_WATCHING,
                "jobwatch.http.header-timeout=1s",
                "jobwatch.http.idle-timeout=3s",
                "jobwatch.watch.ping=300ms")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            api.add("kept");
            String get = "GET /api/w/" + api.namespace + "/jobs_u/getupdate/kept HTTP/1.1\r\nHost: localhost\r\n\r\n";

            List<CompletableFuture<Long>> closed = new ArrayList<>();
            Executor later = CompletableFuture.delayedExecutor(400, TimeUnit.MILLISECONDS);
            for (int i = 0; i < 10; i++) {
                closed.add(closedAfter(server, new byte[0], null));
                closed.add(closedAfter(server, "GET /api/w/x/jobs_u/getupd".getBytes(StandardCharsets.US_ASCII), null));
                // A byte every 400 ms: each read is within the idle timeout, the headers never whole.
                closed.add(closedAfter(server, "GET /".getBytes(StandardCharsets.US_ASCII), later));
            }
            for (CompletableFuture<Long> connection : closed) {
                assertThat(connection.get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                        .as("ms until the server closed it")
                        .isBetween(900L, 2_900L);
            }

            try (Socket socket = socket(server)) {
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                out.write(get.getBytes(StandardCharsets.US_ASCII));
                assertThat(response(in)).startsWith("HTTP/1.1 200");
                // The client pauses longer than the header timeout but within the idle one: the connection stays.
                String second = CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        out.write(get.getBytes(StandardCharsets.US_ASCII));
                                        return response(in);
                                    } catch (IOException e) {
                                        throw new UncheckedIOException(e);
                                    }
                                },
                                CompletableFuture.delayedExecutor(1_800, TimeUnit.MILLISECONDS))
                        .get(10, TimeUnit.SECONDS);
                assertThat(second)
                        .as("a second request on the kept-alive connection")
                        .startsWith("HTTP/1.1 200");
                long start = System.nanoTime();
                assertThat(in.read())
                        .as("then, idle for longer than the idle timeout, it is closed")
                        .isEqualTo(-1);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                        .isBetween(2_500L, 5_000L);
            }

            AtomicInteger pings = new AtomicInteger();
            List<String> types = new CopyOnWriteArrayList<>();
            Disposable stream = new SseClient(server.port())
                    .events(api.namespace, "kept", "", null, null)
                    .subscribe(event -> {
                        types.add(event.data());
                        if (event.data().contains("\"ping\"")) {
                            pings.incrementAndGet();
                        }
                    });
            try {
                await().atMost(DEADLINE).until(() -> pings.get() >= 15);
                assertThat(types)
                        .as("a stream far past both timeouts is still served")
                        .doesNotContain("closed")
                        .first()
                        .asString()
                        .contains("\"update\"");
                assertThat(server.bean(WatchService.class).openStreams()).isEqualTo(1);
            } finally {
                stream.dispose();
            }
        }
    }

    /**
     * After an answer a kept-alive connection waits the idle timeout, not the header timeout, for its next
     * request, whether the answer went out at once (no route, no token: written while the request was
     * still being read) or after a Redis round trip; then it is closed.
     */
    @Test
    void aKeptAliveConnectionWaitsTheIdleTimeoutAfterEveryAnswer() throws Exception {
        try (TestServer server =
                new TestServer(redis.url(), "jobwatch.http.header-timeout=1s", "jobwatch.http.idle-timeout=4s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            api.add("idle");
            Map<String, String> requests = Map.of(
                    "GET /no/such/route HTTP/1.1\r\nHost: localhost\r\n\r\n",
                    "HTTP/1.1 404",
                    "GET " + api.job("idle") + " HTTP/1.1\r\nHost: localhost\r\n\r\n",
                    "HTTP/1.1 401",
                    "GET " + api.job("idle") + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                            + WorkerApiClient.PRODUCER + "\r\n\r\n",
                    "HTTP/1.1 200");
            for (Map.Entry<String, String> request : requests.entrySet()) {
                byte[] bytes = request.getKey().getBytes(StandardCharsets.US_ASCII);
                try (Socket socket = socket(server)) {
                    OutputStream out = socket.getOutputStream();
                    InputStream in = socket.getInputStream();
                    out.write(bytes);
                    assertThat(response(in)).startsWith(request.getValue());
                    // Twice the header timeout, well within the idle one: the connection is still there.
                    String second = CompletableFuture.supplyAsync(
                                    () -> {
                                        try {
                                            out.write(bytes);
                                            return response(in);
                                        } catch (IOException e) {
                                            return "closed: " + e;
                                        }
                                    },
                                    CompletableFuture.delayedExecutor(2_000, TimeUnit.MILLISECONDS))
                            .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                    assertThat(second)
                            .as("a second request %s on the kept-alive connection", request.getKey())
                            .startsWith(request.getValue());
                    assertThat(in.read())
                            .as("then, idle past the idle timeout, the connection is closed")
                            .isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void aPodTakesWhatItsHeapHoldsUnlessSetAndAClientNoMoreThanItsCap(CapturedOutput output) {
        int fromHeap = StreamCapacity.forHeap(Runtime.getRuntime().maxMemory());
        try (TestServer server = new TestServer(
                redis.url(),
                OPEN_WATCHING,
                "jobwatch.http.max-streams-per-client=2",
                "jobwatch.http.trusted-proxies=1")) {
            assertThat(server.bean(WatchProperties.class).maxStreams()).isEqualTo(fromHeap);
            assertThat(output.getAll())
                    .contains("This pod takes at most " + fromHeap + " SSE streams (JOBWATCH_WATCH_MAX_STREAMS unset");

            WorkerApiClient api = new WorkerApiClient(server.port());
            api.add("shared");
            SseClient sse = new SseClient(server.port());
            String shared = SseClient.path(api.namespace, "shared", "");
            List<Integer> refused = new CopyOnWriteArrayList<>();
            AtomicInteger admitted = new AtomicInteger();
            List<Disposable> streams = new ArrayList<>();
            // The proxy appended the address it saw; what came before it is the client's word and may be forged.
            for (String forwarded : List.of("10.0.0.1", "6.6.6.6, 10.0.0.1", "7.7.7.7, 10.0.0.1", "10.0.0.2")) {
                boolean[] first = {true};
                streams.add(sse.events(shared, headers -> headers.set("X-Forwarded-For", forwarded))
                        .subscribe(
                                event -> {
                                    if (first[0]) {
                                        first[0] = false;
                                        admitted.incrementAndGet();
                                    }
                                },
                                error -> refused.add(((WebClientResponseException) error)
                                        .getStatusCode()
                                        .value())));
                await().atMost(DEADLINE).until(() -> admitted.get() + refused.size() == streams.size());
            }
            assertThat(admitted).as("10.0.0.1 twice and 10.0.0.2 once").hasValue(3);
            assertThat(refused).containsExactly(429);
            api.http
                    .get()
                    .uri(shared)
                    .header("X-Forwarded-For", "10.0.0.1")
                    .exchange()
                    .expectStatus()
                    .isEqualTo(429)
                    .expectBody(String.class)
                    .isEqualTo("This client holds its maximum of 2 open streams: close one before opening another");

            streams.get(0).dispose();
            WatchService watch = server.bean(WatchService.class);
            await().atMost(DEADLINE).until(() -> watch.openStreams() == 2);
            assertThat(sse.events(shared, headers -> headers.set("X-Forwarded-For", "10.0.0.1"))
                            .blockFirst(DEADLINE))
                    .as("a slot given back is taken again")
                    .isNotNull();
            streams.forEach(Disposable::dispose);
            await().atMost(DEADLINE).until(() -> watch.openStreams() == 0);
        }
        try (TestServer server = new TestServer(redis.url(), "jobwatch.watch.max-streams=7")) {
            assertThat(server.bean(WatchProperties.class).maxStreams())
                    .as("a setting wins")
                    .isEqualTo(7);
        }
    }

    private static Socket socket(TestServer server) throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout((int) DEADLINE.toMillis());
        return socket;
    }

    /**
     * Opens a connection, sends {@code first}, then (with {@code drip}) one byte of a request line at a
     * time on that executor, and completes with the milliseconds until the server closed the connection.
     */
    private static CompletableFuture<Long> closedAfter(TestServer server, byte[] first, Executor drip)
            throws IOException {
        Socket socket = socket(server);
        long start = System.nanoTime();
        socket.getOutputStream().write(first);
        if (drip != null) {
            dripFrom(socket, 0, drip);
        }
        return CompletableFuture.supplyAsync(() -> {
            try (socket) {
                while (socket.getInputStream().read() != -1) {
                    // An answer would be read here; a connection without a request gets none.
                }
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            } catch (IOException e) {
                // A reset is a close too.
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
        });
    }

    private static void dripFrom(Socket socket, int index, Executor drip) {
        byte[] line = "api/w/x/jobs_u/getupdate/y HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
        CompletableFuture.runAsync(
                () -> {
                    try {
                        socket.getOutputStream().write(line[index % line.length]);
                        dripFrom(socket, index + 1, drip);
                    } catch (IOException e) {
                        // The server closed the connection: the drip ends.
                    }
                },
                drip);
    }

    /** One response with a Content-Length body, read off a raw connection. */
    private static String response(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString(StandardCharsets.US_ASCII);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        int length = headers.lines()
                .filter(line -> line.toLowerCase().startsWith("content-length:"))
                .map(line -> Integer.parseInt(line.substring(15).trim()))
                .findFirst()
                .orElse(0);
        return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
