package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * 10,000 appends of random multi-byte text while 50 watchers join at random offsets and reconnect
 * mid-way, half by {@code log_offset}, half by {@code Last-Event-ID} as a browser's EventSource does;
 * streams also end by {@code timeout} on a short lifetime. Every watcher must end with exactly the log
 * from where it joined: nothing lost, nothing repeated.
 */
class LosslessWatchIntegrationTest {

    private static final int APPENDS = 10_000;
    private static final int WATCHERS = 50;
    private static final String ALPHABET = "abcdefgh ijklmnop é日本😀ü∑";

    @Test
    void everyWatcherEndsWithExactlyTheJobsLog() {
        try (TestRedis redis = new TestRedis();
                TestServer server =
                        new TestServer(redis.url(), "jobwatch.watch.lifetime=3s", "jobwatch.watch.spread=1s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            SseClient sse = new SseClient(server.port());
            String token = api.add("lossless");
            Random random = new Random(42);
            List<String> rows = new ArrayList<>();
            StringBuilder log = new StringBuilder();
            for (int i = 0; i < APPENDS; i++) {
                StringBuilder row = new StringBuilder();
                int length = random.nextInt(40);
                for (int c = 0; c < length; c++) {
                    row.appendCodePoint(ALPHABET.codePointAt(ALPHABET.offsetByCodePoints(
                            0, random.nextInt(ALPHABET.codePointCount(0, ALPHABET.length())))));
                }
                rows.add(row.toString());
                log.append(row).append('\n');
            }
            String whole = log.toString();
            AtomicLong written = new AtomicLong();

            WebClient http = WebClient.create("http://localhost:" + server.port());
            // Paced over about ten seconds, so that watchers join, time out and reconnect while it writes.
            Mono<Void> writer = Flux.fromIterable(rows)
                    .buffer(50)
                    .delayElements(Duration.ofMillis(50))
                    .concatMapIterable(batch -> batch)
                    .concatMap(row -> http.post()
                            .uri(api.job("lossless") + "/logs")
                            .header("Authorization", "Bearer " + token)
                            .contentType(MediaType.TEXT_PLAIN)
                            .bodyValue(row)
                            .retrieve()
                            .toBodilessEntity()
                            .doOnNext(ok -> written.addAndGet(row.codePointCount(0, row.length()) + 1)))
                    .then(http.post()
                            .uri(api.job("lossless") + "/complete")
                            .header("Authorization", "Bearer " + token)
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue("{\"success\":true,\"result\":\"done\"}")
                            .retrieve()
                            .toBodilessEntity()
                            .then());

            List<Mono<SseClient.Follower>> followers = new ArrayList<>();
            for (int w = 0; w < WATCHERS; w++) {
                int index = w;
                long seed = random.nextLong();
                followers.add(Mono.delay(Duration.ofMillis(150L * w)).flatMap(tick -> {
                    Random own = new Random(seed);
                    long start = (long) (own.nextDouble() * written.get());
                    SseClient.Follower follower = new SseClient.Follower(
                            () -> sse, api.namespace, "lossless", start, index % 2 == 0, 5 + own.nextInt(30));
                    return follower.run().thenReturn(follower);
                }));
            }

            List<SseClient.Follower> done = Mono.zip(
                            writer.thenReturn(true), Flux.merge(followers).collectList())
                    .map(both -> both.getT2())
                    .block(Duration.ofMinutes(4));

            assertThat(done).hasSize(WATCHERS);
            for (SseClient.Follower follower : done) {
                String expected = whole.substring(whole.offsetByCodePoints(0, (int) follower.start()));
                assertThat(follower.text())
                        .as("watcher from offset %d", follower.start())
                        .isEqualTo(expected);
                assertThat(follower.completedEvents()).isEqualTo(1);
                assertThat(follower.completion().get("job").get("result").stringValue())
                        .isEqualTo("done");
            }
            assertThat(done)
                    .filteredOn(SseClient.Follower::byLastEventId)
                    .anySatisfy(follower -> assertThat(follower.reconnects()).isGreaterThan(2));
            assertThat(done)
                    .filteredOn(follower -> !follower.byLastEventId())
                    .anySatisfy(follower -> assertThat(follower.reconnects()).isGreaterThan(2));
        }
    }
}
