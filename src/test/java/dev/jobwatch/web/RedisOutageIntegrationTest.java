package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import reactor.core.Disposable;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/** Runs its own Redis process, so that it can stop and start it under a running server. */
class RedisOutageIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void redisDownGives503AndTheServerRecoversWhenItReturns() {
        try (TestRedis redis = new TestRedis();
                TestServer server = new TestServer(redis.url(), "jobwatch.redis.timeout=1s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("before");

            redis.stop();
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> api.post(api.job("before") + "/logs", token, MediaType.TEXT_PLAIN, "lost?")
                            .expectStatus()
                            .isEqualTo(503)
                            .expectBody(String.class)
                            .isEqualTo("Redis is unavailable; try again shortly"));
            api.get(api.job("before"), WorkerApiClient.PRODUCER).expectStatus().isEqualTo(503);

            redis.start();
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> api.get(api.job("nothing-yet"), WorkerApiClient.PRODUCER)
                            .expectStatus()
                            .isNotFound());
            String after = api.add("after");
            api.log("after", after, "written after the restart");
            api.post(api.job("after") + "/complete", after, MediaType.APPLICATION_JSON, "{\"success\":true}")
                    .expectStatus()
                    .isOk();
        }
    }

    /**
     * Redis is killed mid-stream and restarted from its append-only file. Watchers keep their one SSE
     * connection, hear nothing while it is away, and end with exactly the rows that got a 200; rows
     * written while it was away got a 503 and are nowhere.
     */
    @Test
    void watchersKeepTheirStreamThroughARedisRestartAndEndWithExactlyTheAcceptedRows() {
        try (TestRedis redis = TestRedis.persistent();
                TestServer server =
                        new TestServer(redis.url(), "jobwatch.redis.timeout=1s", "jobwatch.watch.lifetime=5m")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("restarted");
            api.post(api.job("restarted") + "/start", token, null, null)
                    .expectStatus()
                    .isOk();
            List<Watch> watchers = new ArrayList<>();
            SseClient sse = new SseClient(server.port());
            for (int i = 0; i < 10; i++) {
                watchers.add(new Watch(sse, api.namespace, "restarted"));
            }
            await().atMost(DEADLINE).until(() -> watchers.stream().allMatch(watch -> !watch.events.isEmpty()));

            List<String> accepted = new ArrayList<>();
            List<String> rejected = new ArrayList<>();
            int row = 0;
            while (accepted.size() < 50) {
                accepted.add(writeAccepted(api, token, "before the restart " + row++));
            }
            redis.stop();
            long downSince = System.nanoTime();
            while (System.nanoTime() - downSince < Duration.ofSeconds(2).toNanos()) {
                String text = "while Redis is away " + row++;
                assertThat(write(api, token, text))
                        .as("a write while Redis is away")
                        .isEqualTo(503);
                rejected.add(text);
            }
            assertThat(watchers)
                    .as("no watcher lost its stream while Redis was away")
                    .allSatisfy(watch -> assertThat(watch.ended()).isFalse());

            long backAt = System.nanoTime();
            redis.start();
            while (accepted.size() < 100) {
                String text = "after the restart " + row++;
                if (write(api, token, text) == 200) {
                    accepted.add(text);
                } else {
                    rejected.add(text);
                }
            }
            while (write(api, token, null) != 200) {
                // completion retried until Redis takes it, as a worker would
            }
            await().atMost(DEADLINE).until(() -> watchers.stream().allMatch(Watch::ended));

            String expected = String.join("\n", accepted) + "\n";
            long pause = watchers.get(0).firstUpdateAfter(backAt) - backAt;
            System.out.printf(
                    "Redis restart: %d writes got 503 while it was away; watchers heard again %d ms after it "
                            + "started%n",
                    rejected.size(), Duration.ofNanos(pause).toMillis());
            for (Watch watch : watchers) {
                assertThat(watch.subscriptions.get())
                        .as("the one SSE connection lasted")
                        .isEqualTo(1);
                assertThat(watch.error).isNull();
                assertThat(watch.types())
                        .as("only updates and pings, then the completion")
                        .isSubsetOf("update", "ping");
                assertThat(watch.events
                                .get(watch.events.size() - 1)
                                .path("completed")
                                .asBoolean())
                        .isTrue();
                assertThat(watch.text()).isEqualTo(expected);
            }
            Map<String, Object> job = api.http
                    .get()
                    .uri("/api/w/" + api.namespace + "/jobs_u/get/restarted")
                    .header("Authorization", "Bearer " + WorkerApiClient.PRODUCER)
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                    .returnResult()
                    .getResponseBody();
            assertThat(job.get("logs"))
                    .as("the stored log holds the accepted rows alone")
                    .isEqualTo(expected);
            assertThat(api.rows("restarted", 0, 100).get("count")).isEqualTo(100);
            watchers.forEach(Watch::close);
        }
    }

    /** A Redis that comes back without its data (no persistence) no longer has the job: watchers are told so. */
    @Test
    void watchersOfAJobThatARestartedRedisLostAreToldNotFound() {
        try (TestRedis redis = new TestRedis();
                TestServer server =
                        new TestServer(redis.url(), "jobwatch.redis.timeout=1s", "jobwatch.watch.lifetime=5m")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("forgotten");
            api.log("forgotten", token, "only in memory");
            Watch watch = new Watch(new SseClient(server.port()), api.namespace, "forgotten");
            await().atMost(DEADLINE).until(() -> !watch.events.isEmpty());

            redis.stop();
            redis.start();

            await().atMost(DEADLINE).until(watch::ended);
            assertThat(watch.types()).last().isEqualTo("notfound");
            assertThat(watch.text()).isEqualTo("only in memory\n");
            api.post(api.job("forgotten") + "/logs", token, MediaType.TEXT_PLAIN, "late")
                    .expectStatus()
                    .isNotFound();
        }
    }

    /** The pod starts before Redis, as happens when both are deployed at once, and needs no restart. */
    @Test
    void aServerStartedBeforeRedisIsUnreadyAnswers503AndRecoversWhenRedisAppears() {
        try (TestRedis redis = TestRedis.notStarted();
                TestServer server = new TestServer(redis.url(), "jobwatch.redis.timeout=1s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            api.http
                    .get()
                    .uri("/actuator/health/liveness")
                    .exchange()
                    .expectStatus()
                    .isOk();
            api.http
                    .get()
                    .uri("/actuator/health/readiness")
                    .exchange()
                    .expectStatus()
                    .isEqualTo(503);
            api.post(api.jobs(), WorkerApiClient.PRODUCER, MediaType.APPLICATION_JSON, "[{\"id\":\"early\"}]")
                    .expectStatus()
                    .isEqualTo(503);
            StepVerifier.create(new SseClient(server.port()).updates(api.namespace, "early", ""))
                    .assertNext(
                            event -> assertThat(event.get("type").stringValue()).isEqualTo("error"))
                    .expectComplete()
                    .verify(DEADLINE);

            redis.start();

            await().atMost(DEADLINE)
                    .untilAsserted(() -> api.http
                            .get()
                            .uri("/actuator/health/readiness")
                            .exchange()
                            .expectStatus()
                            .isOk());
            String token = api.add("early");
            Watch watch = new Watch(new SseClient(server.port()), api.namespace, "early");
            await().atMost(DEADLINE).until(() -> !watch.events.isEmpty());
            api.log("early", token, "Redis came after the server");
            api.post(api.job("early") + "/complete", token, MediaType.APPLICATION_JSON, "{\"success\":true}")
                    .expectStatus()
                    .isOk();
            await().atMost(DEADLINE).until(watch::ended);
            assertThat(watch.text()).isEqualTo("Redis came after the server\n");
            assertThat(watch.types()).isSubsetOf("update", "ping");
        }
    }

    /** Posts a row ({@code null}: completes the job) and gives back the status. */
    private static int write(WorkerApiClient api, String token, String row) {
        return (row == null
                        ? api.post(
                                api.job("restarted") + "/complete",
                                token,
                                MediaType.APPLICATION_JSON,
                                "{\"success\":true}")
                        : api.post(api.job("restarted") + "/logs", token, MediaType.TEXT_PLAIN, row))
                .returnResult(String.class)
                .getStatus()
                .value();
    }

    private static String writeAccepted(WorkerApiClient api, String token, String row) {
        assertThat(write(api, token, row)).isEqualTo(200);
        return row;
    }

    /** One SSE connection, never reconnected: what it received, and whether it ended. */
    private static final class Watch {

        final List<JsonNode> events = new CopyOnWriteArrayList<>();
        final AtomicInteger subscriptions = new AtomicInteger();
        final List<Long> logsAt = new CopyOnWriteArrayList<>();
        private final Disposable stream;
        private volatile boolean ended;
        volatile Throwable error;

        Watch(SseClient sse, String namespace, String id) {
            stream = sse.updates(namespace, id, "")
                    .doOnSubscribe(subscription -> subscriptions.incrementAndGet())
                    .subscribe(
                            event -> {
                                if (event.has("new_logs")) {
                                    logsAt.add(System.nanoTime());
                                }
                                events.add(event);
                            },
                            failure -> {
                                error = failure;
                                ended = true;
                            },
                            () -> ended = true);
        }

        long firstUpdateAfter(long nanos) {
            return logsAt.stream().filter(at -> at > nanos).findFirst().orElseThrow();
        }

        boolean ended() {
            return ended;
        }

        List<String> types() {
            return events.stream().map(event -> event.get("type").stringValue()).toList();
        }

        String text() {
            StringBuilder text = new StringBuilder();
            events.forEach(event -> text.append(event.path("new_logs").asString("")));
            return text.toString();
        }

        void close() {
            stream.dispose();
        }
    }
}
