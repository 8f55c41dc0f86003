package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.MediaType;
import reactor.core.Disposable;

/**
 * A stream's slots, the pod's and its client's, belong to its connection: taken when the stream is
 * admitted, given back exactly once when the connection closes, whichever way it ends. The counts are
 * read as an operator reads them, from {@code /actuator/prometheus}.
 */
class StreamSlotsIntegrationTest {

    private static final String OPEN_WATCHING = "jobwatch.watch.auth=open";
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final int PER_CLIENT = 5;

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void aStreamWhoseConnectionIsResetRightAfterItsRequestGivesItsSlotsBack() {
        try (TestServer server = server()) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            api.add("reset");
            SseClient sse = new SseClient(server.port());
            String path = SseClient.path(api.namespace, "reset", "");

            for (int i = 0; i < 100; i++) {
                sse.raw(path, null, 0).reset();
            }

            awaitSlots(api, 0);
            assertThat(sse.updates(api.namespace, "reset", "").blockFirst(DEADLINE))
                    .as("the client that reset 100 streams holds none and may open one")
                    .isNotNull();
        }
    }

    /**
     * Streams opened and ended at random, every way a stream ends: a reset before or after its first
     * event, a close, a client that leaves, a job that completes under it, and refusals past the cap.
     */
    @Test
    void streamsOpenedAndKilledAtRandomGiveBackEverySlot() throws IOException {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        try (TestServer server = server()) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            SseClient sse = new SseClient(server.port());
            List<Disposable> following = new ArrayList<>();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            for (int round = 0; round < 60; round++) {
                String id = "job-" + round;
                String token = api.add(id);
                String path = SseClient.path(api.namespace, id, "");
                switch (random.nextInt(5)) {
                    case 0 -> sse.raw(path, null, 0).reset();
                    case 1 -> sse.raw(path, null, 0).close();
                    case 2 -> {
                        SseClient.Raw raw = sse.raw(path, null, 0);
                        assertThat(raw.status()).startsWith("HTTP/1.1 ");
                        raw.reset();
                    }
                    case 3 -> following.add(sse.updates(api.namespace, id, "").subscribe(update -> {}, failures::add));
                    default -> {
                        following.add(sse.updates(api.namespace, id, "").subscribe(update -> {}, failures::add));
                        api.post(api.job(id) + "/complete", token, MediaType.APPLICATION_JSON, "{\"success\":true}")
                                .expectStatus()
                                .isOk();
                    }
                }
                if (following.size() > PER_CLIENT && random.nextBoolean()) {
                    following.remove(random.nextInt(following.size())).dispose();
                }
            }
            following.forEach(Disposable::dispose);

            awaitSlots(api, 0);
            assertThat(failures)
                    .as("seed %d: only refusals past the client's cap", seed)
                    .allSatisfy(failure -> assertThat(failure.getMessage()).contains("429"));
        }
    }

    private static TestServer server() {
        return new TestServer(redis.url(), OPEN_WATCHING, "jobwatch.http.max-streams-per-client=" + PER_CLIENT);
    }

    /** The pod's open streams and the streams counted against clients' caps, as the metrics say. */
    private record Slots(int pod, int clients) {}

    private static final Pattern GAUGE =
            Pattern.compile("(?m)^(jobwatch_streams_open|jobwatch_client_streams_open)\\{[^}]*} ([0-9.]+)$");

    private static Slots slots(WorkerApiClient api) {
        String metrics = api.metrics();
        int pod = -1;
        int clients = -1;
        Matcher gauge = GAUGE.matcher(metrics);
        while (gauge.find()) {
            int value = (int) Double.parseDouble(gauge.group(2));
            if (gauge.group(1).equals("jobwatch_streams_open")) {
                pod = value;
            } else {
                clients = value;
            }
        }
        return new Slots(pod, clients);
    }

    private static void awaitSlots(WorkerApiClient api, int open) {
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(slots(api)).isEqualTo(new Slots(open, open)));
    }
}
