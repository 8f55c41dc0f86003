package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.store.ChangeFeed;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/** Several servers, many watchers, and Redis going away: each with a Redis and servers of its own. */
class WatchAtScaleIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void aWriteThroughOneServerReachesAWatcherOnAnotherWithItsWatchToken() {
        try (TestRedis redis = new TestRedis();
                TestServer writer = new TestServer(redis.url());
                TestServer reader = new TestServer(redis.url(), "jobwatch.watch.auth=token")) {
            WorkerApiClient api = new WorkerApiClient(writer.port());
            List<Map<String, Object>> added = api.post(
                            api.jobs(), WorkerApiClient.PRODUCER, MediaType.APPLICATION_JSON, "[{\"id\":\"shared\"}]")
                    .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                    .returnResult()
                    .getResponseBody();
            String jobToken = (String) added.get(0).get("token");
            String watchToken = (String) added.get(0).get("watch_token");
            WorkerApiClient other = new WorkerApiClient(reader.port());
            String stream = "/api/w/" + api.namespace + "/jobs_u/getupdate_sse/shared";

            other.get(stream, null).expectStatus().isUnauthorized();
            other.get(stream, jobToken).expectStatus().isUnauthorized();
            other.get("/api/w/" + api.namespace + "/jobs_u/get/shared", watchToken)
                    .expectStatus()
                    .isOk();
            other.http
                    .get()
                    .uri("/api/w/" + api.namespace + "/jobs_u/getupdate/shared")
                    .cookie("token", watchToken)
                    .exchange()
                    .expectStatus()
                    .isOk();
            other.get("/api/w/" + api.namespace + "/jobs_u/getupdate/shared", WorkerApiClient.PRODUCER)
                    .expectStatus()
                    .isOk();

            SseClient sse = new SseClient(reader.port());
            Flux<JsonNode> updates = sse.updates(api.namespace, "shared", "token=" + watchToken, null)
                    .cache();
            updates.blockFirst(DEADLINE);
            api.log("shared", jobToken, "written through the other pod");
            api.post(api.job("shared") + "/complete", jobToken, MediaType.APPLICATION_JSON, "{\"success\":true}")
                    .expectStatus()
                    .isOk();

            StringBuilder seen = new StringBuilder();
            updates.doOnNext(update -> seen.append(update.path("new_logs").asString("")))
                    .blockLast(DEADLINE);
            assertThat(seen.toString()).isEqualTo("written through the other pod\n");
        }
    }

    @Test
    void aWatcherGetsAnErrorWhenRedisCannotBeReached() {
        try (TestRedis redis = new TestRedis();
                TestServer server = new TestServer(redis.url(), "jobwatch.redis.timeout=1s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            api.add("dark");
            redis.stop();

            StepVerifier.create(new SseClient(server.port()).updates(api.namespace, "dark", ""))
                    .assertNext(event -> {
                        assertThat(event.get("type").stringValue()).isEqualTo("error");
                        assertThat(event.get("error").stringValue())
                                .isNotBlank()
                                .isEqualTo(event.get("0").stringValue());
                    })
                    .expectComplete()
                    .verify(DEADLINE);
        }
    }

    @Test
    void aThousandWatchersComeAndGoAndLeaveNoHubOrSubscriptionBehind() {
        try (TestRedis redis = new TestRedis();
                TestServer server = new TestServer(
                        redis.url(), "jobwatch.watch.linger=200ms", "jobwatch.http.max-streams-per-client=0");
                RedisClient client = RedisClient.create(redis.url());
                var probe = client.connect()) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            for (int job = 0; job < 10; job++) {
                api.add("busy-" + job);
            }
            SseClient sse = new SseClient(server.port());
            AtomicInteger started = new AtomicInteger();
            List<Disposable> watchers = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                watchers.add(sse.updates(api.namespace, "busy-" + (i % 10), "")
                        .subscribe(update -> started.incrementAndGet()));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> started.get() >= 1000);
            ChangeFeed feed = server.bean(ChangeFeed.class);
            assertThat(hubsOpen(server)).isEqualTo(10);
            assertThat(feed.subscriptions()).isEqualTo(10);
            assertThat(channels(probe, api.namespace)).isEqualTo(10);

            watchers.forEach(Disposable::dispose);

            await().atMost(DEADLINE).untilAsserted(() -> {
                assertThat(hubsOpen(server)).isZero();
                assertThat(feed.subscriptions()).isZero();
                assertThat(channels(probe, api.namespace)).isZero();
            });
        }
    }

    @Test
    void redisCommandsPerWriteStayTheSameForOneWatcherOrFiveHundred() {
        try (TestRedis redis = new TestRedis();
                TestServer server = new TestServer(redis.url(), "jobwatch.watch.recheck=1h");
                RedisClient client = RedisClient.create(redis.url());
                var probe = client.connect()) {
            Map<String, Long> withOne = commandsFor100Writes(server, probe, 1);
            Map<String, Long> withFiveHundred = commandsFor100Writes(server, probe, 500);
            System.out.printf(
                    "Redis commands for 100 writes: 1 watcher %s, 500 watchers %s%n", withOne, withFiveHundred);

            // Bounds rather than equality: under CPU load a hub's reads collapse more, so either count can be lower.
            // A row comes with its notification, so a hub reads only when it missed one (while it read).
            assertThat(withOne.get("evalsha"))
                    .as("a script per write and few reads")
                    .isBetween(100L, 150L);
            assertThat(withFiveHundred.get("evalsha"))
                    .as("500 watchers: still what 1 watcher calls")
                    .isBetween(100L, 150L);
            // A row without a key costs 5 (EVALSHA, HMGET, XADD, HSET, PUBLISH); the rest is the hubs' few reads.
            assertThat(withOne.get("all"))
                    .as("counting the scripts' own commands, 1 watcher")
                    .isLessThanOrEqualTo(650L);
            assertThat(withFiveHundred.get("all"))
                    .as("counting the scripts' own commands, 500 watchers")
                    .isLessThanOrEqualTo(650L);
        }
    }

    /** Calls of EVALSHA and of all commands (the scripts' own included) while 100 rows reach every watcher. */
    private static Map<String, Long> commandsFor100Writes(
            TestServer server, StatefulRedisConnection<String, String> probe, int watchers) {
        WorkerApiClient api = new WorkerApiClient(server.port());
        String token = api.add("counted");
        SseClient sse = new SseClient(server.port());
        AtomicInteger ready = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        long finalOffset = 100 * "row nn\n".length() + 1;
        List<Disposable> open = new ArrayList<>();
        for (int i = 0; i < watchers; i++) {
            boolean[] first = {true};
            open.add(sse.updates(api.namespace, "counted", "").subscribe(update -> {
                if (first[0]) {
                    first[0] = false;
                    ready.incrementAndGet();
                }
                if (update.path("log_offset").asLong(0) == finalOffset) {
                    finished.incrementAndGet();
                }
            }));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> ready.get() == watchers);
        probe.sync().configResetstat();
        for (int i = 0; i < 100; i++) {
            api.log("counted", token, "row %02d".formatted(i));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> finished.get() == watchers);
        Map<String, Long> calls = probe.sync()
                .info("commandstats")
                .lines()
                .filter(line -> line.startsWith("cmdstat_")
                        && !line.startsWith("cmdstat_info")
                        && !line.startsWith("cmdstat_config"))
                .collect(Collectors.toMap(
                        line -> line.substring("cmdstat_".length(), line.indexOf(':')),
                        line -> Long.parseLong(line.replaceAll("^cmdstat_[^:]+:calls=(\\d+),.*", "$1"))));
        open.forEach(Disposable::dispose);
        return Map.of(
                "evalsha",
                calls.getOrDefault("evalsha", 0L),
                "all",
                calls.values().stream().mapToLong(Long::longValue).sum());
    }

    /** Hubs open on the server, as its {@code jobwatch_hubs_open} gauge tells an operator. */
    private static double hubsOpen(TestServer server) {
        return server.bean(MeterRegistry.class)
                .get("jobwatch.hubs.open")
                .gauge()
                .value();
    }

    private static long channels(StatefulRedisConnection<String, String> probe, String namespace) {
        return probe.sync().pubsubChannels("*" + namespace + "*").size();
    }
}
