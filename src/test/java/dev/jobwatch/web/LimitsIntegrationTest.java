package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.job.LogMarker;
import dev.jobwatch.watch.WatchService;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;

/** The limits a server on the public edge keeps, each seen through the HTTP API as a client meets it. */
class LimitsIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void aFullPodAnswers503WithRetryAfterAndTakesStreamsAgainAsTheyEnd() {
        try (TestServer server = new TestServer(redis.url(), "jobwatch.watch.max-streams=2")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            SseClient sse = new SseClient(server.port());
            WatchService watch = server.bean(WatchService.class);
            String token = api.add("busy");
            String stream = "/api/w/" + api.namespace + "/jobs_u/getupdate_sse/busy";

            AtomicInteger admitted = new AtomicInteger();
            List<Integer> refused = new CopyOnWriteArrayList<>();
            List<Disposable> crowd = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                boolean[] first = {true};
                crowd.add(sse.events(api.namespace, "busy", "", null, WorkerApiClient.PRODUCER)
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
            }
            await().atMost(DEADLINE).until(() -> admitted.get() + refused.size() == 12);
            assertThat(admitted).as("streams admitted out of 12 at once").hasValue(2);
            assertThat(refused).hasSize(10).containsOnly(503);
            assertThat(watch.openStreams()).isEqualTo(2);

            api.get(stream, PRODUCER)
                    .expectStatus()
                    .isEqualTo(503)
                    .expectHeader()
                    .value(
                            "Retry-After",
                            seconds -> assertThat(Integer.parseInt(seconds)).isBetween(5, 10))
                    .expectBody(String.class)
                    .isEqualTo("This server holds its maximum of 2 open streams: try again shortly");
            api.get("/api/w/" + api.namespace + "/jobs_u/getupdate/busy", PRODUCER)
                    .expectStatus()
                    .isOk();
            api.log("busy", token, "writes are not streams");

            crowd.forEach(Disposable::dispose);
            await().atMost(DEADLINE).until(() -> watch.openStreams() == 0);

            List<JsonNode> late = new CopyOnWriteArrayList<>();
            Disposable lateWatcher = sse.updates(api.namespace, "busy", "").subscribe(late::add);
            await().atMost(DEADLINE).until(() -> !late.isEmpty());
            assertThat(watch.openStreams())
                    .as("a client that left gave its slot back")
                    .isEqualTo(1);

            api.post(api.job("busy") + "/complete", token, MediaType.APPLICATION_JSON, "{\"success\":true}")
                    .expectStatus()
                    .isOk();
            await().atMost(DEADLINE)
                    .until(() -> late.stream()
                            .anyMatch(update -> update.path("completed").asBoolean(false)));
            await().atMost(DEADLINE).until(() -> watch.openStreams() == 0);
            lateWatcher.dispose();

            for (int i = 0; i < 5; i++) {
                assertThat(sse.updates(api.namespace, "busy", "").collectList().block(DEADLINE))
                        .as("stream %d after the job completed", i)
                        .last()
                        .satisfies(update -> assertThat(update.get("completed").booleanValue())
                                .isTrue());
            }
            // The client may see the end of a stream just before the server has closed it.
            await().atMost(DEADLINE).until(() -> watch.openStreams() == 0);
        }
    }

    @Test
    void anOversizeUrlGets414AndOversizeHeadersGet431() throws Exception {
        try (TestServer server = new TestServer(redis.url(), "jobwatch.limit.url=1KB", "jobwatch.limit.headers=2KB")) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.port() + "/api/w/limits-ns/jobs_u/getupdate/x";

            HttpResponse<String> longUrl = http.send(
                    HttpRequest.newBuilder(URI.create(base + "?pad=" + "a".repeat(1100)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> bigHeaders = http.send(
                    HttpRequest.newBuilder(URI.create(base))
                            .header("X-Pad", "b".repeat(2100))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> withinLimits = http.send(
                    HttpRequest.newBuilder(URI.create(base + "?pad=" + "a".repeat(800)))
                            .header("X-Pad", "b".repeat(1500))
                            .header("Authorization", "Bearer " + PRODUCER)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(longUrl.statusCode()).isEqualTo(414);
            assertThat(bigHeaders.statusCode()).isEqualTo(431);
            assertThat(withinLimits.statusCode())
                    .as("a request within the limits reaches the route")
                    .isEqualTo(404);
            assertThat(withinLimits.body()).isEqualTo("Job not found");
        }
    }

    @Test
    void aCompletedJobExpiresAfterItsRetentionAndIsThenNotFoundEverywhere() {
        try (TestServer server = new TestServer(redis.url(), "jobwatch.retention.completed=1s")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            SseClient sse = new SseClient(server.port());
            String token = api.add("brief");
            api.log("brief", token, "soon gone");
            api.post(api.job("brief") + "/complete", token, MediaType.APPLICATION_JSON, "{\"success\":true}")
                    .expectStatus()
                    .isOk();
            api.get(api.job("brief"), PRODUCER).expectStatus().isOk();

            await().atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> api.get(api.job("brief"), PRODUCER)
                                    .returnResult(String.class)
                                    .getStatus()
                                    .value()
                            == 404);

            api.get(api.job("brief"), PRODUCER)
                    .expectStatus()
                    .isNotFound()
                    .expectBody(String.class)
                    .isEqualTo("Job not found");
            api.get(api.job("brief") + "/logs", PRODUCER).expectStatus().isNotFound();
            api.get("/api/w/" + api.namespace + "/jobs_u/get/brief", PRODUCER)
                    .expectStatus()
                    .isNotFound();
            api.get("/api/w/" + api.namespace + "/jobs_u/getupdate/brief", PRODUCER)
                    .expectStatus()
                    .isNotFound();
            assertThat(sse.updates(api.namespace, "brief", "")
                            .map(JsonNode::toString)
                            .collectList()
                            .block(DEADLINE))
                    .containsExactly("{\"type\":\"notfound\"}");
            api.post(api.job("brief") + "/logs", token, MediaType.TEXT_PLAIN, "late")
                    .expectStatus()
                    .isNotFound();
        }
    }

    @Test
    void theLogCapKeepsTheNewestRowsBehindOneMarkerAndWatchersOffsetsNeverMoveBack() {
        try (TestServer server = new TestServer(redis.url(), "jobwatch.retention.log=100B", "jobwatch.limit.log=50B")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            SseClient sse = new SseClient(server.port());
            String token = api.add("capped");
            List<JsonNode> seen = new CopyOnWriteArrayList<>();
            Disposable watcher = sse.updates(api.namespace, "capped", "").subscribe(seen::add);
            await().atMost(DEADLINE).until(() -> !seen.isEmpty());

            List<String> rows =
                    IntStream.range(0, 25).mapToObj("row-%05d"::formatted).toList();
            for (String row : rows) {
                api.log("capped", token, row);
            }
            api.post(api.job("capped") + "/complete", token, MediaType.APPLICATION_JSON, "{\"success\":true}")
                    .expectStatus()
                    .isOk();
            await().atMost(DEADLINE)
                    .until(() -> seen.stream()
                            .anyMatch(update -> update.path("completed").asBoolean(false)));
            watcher.dispose();

            List<Long> offsets = seen.stream()
                    .filter(update -> update.has("log_offset"))
                    .map(update -> update.get("log_offset").longValue())
                    .toList();
            assertThat(offsets)
                    .as("log_offset of each update the live watcher saw")
                    .isSorted()
                    .last()
                    .isEqualTo(251L);
            assertThat(seen.stream()
                            .map(update -> update.path("new_logs").asString(""))
                            .collect(Collectors.joining()))
                    .endsWith("row-00024\n");

            // A hub that followed the log live may still serve the dropped rows from its window: read Redis.
            await().atMost(DEADLINE)
                    .until(() -> server.bean(MeterRegistry.class)
                                    .get("jobwatch.hubs.open")
                                    .gauge()
                                    .value()
                            == 0);
            String marker = LogMarker.text(15, 150);
            String kept = String.join("\n", rows.subList(15, 25)) + "\n";
            JsonNode fresh = sse.updates(api.namespace, "capped", "").blockLast(DEADLINE);
            assertThat(fresh.get("new_logs").stringValue()).isEqualTo(marker + "\n" + kept);
            assertThat(fresh.get("log_offset").longValue())
                    .as("offsets count what was dropped too")
                    .isEqualTo(251);

            String whole = rows.stream().map(row -> row + "\n").collect(Collectors.joining());
            JsonNode resumed =
                    sse.updates(api.namespace, "capped", "log_offset=201").blockLast(DEADLINE);
            assertThat(resumed.get("new_logs").stringValue()).isEqualTo(whole.substring(200));

            Map<String, Object> page = api.rows("capped", 0, 100);
            assertThat(page).containsEntry("count", 11);
            assertThat((List<?>) page.get("logs")).first().isEqualTo(marker);
            Map<String, Object> job = api.get("/api/w/" + api.namespace + "/jobs_u/get/capped", PRODUCER)
                    .expectStatus()
                    .isOk()
                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                    .returnResult()
                    .getResponseBody();
            assertThat(job.get("logs")).isEqualTo(marker + "\n" + kept);
        }
    }
}
