package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * jobwatch beside real BullMQ (the npm package, run by Node from {@code src/test/bullmq}): a real Worker
 * runs jobs that report progress and logs with BullMQ's own calls, or through jobwatch's worker routes
 * with their lock token, while watchers follow the jobs over {@code getupdate_sse}; BullMQ's own
 * {@code QueueEvents} and {@code getJobLogs} see what jobwatch wrote. Each test run has a BullMQ prefix
 * of its own on the shared Redis. Runs once on the pinned BullMQ (5.x) and once on the newest (6.x, whose
 * ioredis is a package of its own). Skipped without Node or {@code npm ci}, unless
 * {@code JOBWATCH_REQUIRE_NODE=1} (CI), where that is a failure.
 */
class BullMqInteropIntegrationTest {

    private static final String QUEUE = "q";
    private static final String NAMESPACE = "bullmq." + QUEUE;
    private static final String OK_LOG = "starting\nhéllo wörld ✓ 🎉\n\ndone\n";
    private static final String HTTP_LOG = "posted through jobwatch\nünïcödé 🚀\nas json\n";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {BullMqNode.PINNED, BullMqNode.LATEST})
    void watchersFollowJobsThatRealBullMqWorkersRunAndBullMqSeesWhatWorkersWroteThroughJobwatch(String bullmq)
            throws Exception {
        // Per version rather than per class, so that a missing package shows in the report as its own skip.
        BullMqNode.require(bullmq);
        String shared = System.getenv("REDIS_URL");
        try (TestRedis own = shared == null ? new TestRedis() : null) {
            String redisUrl = shared != null ? shared : own.url();
            String prefix = "jwtest-" + UUID.randomUUID().toString().substring(0, 8);
            try (TestServer server = new TestServer(
                    redisUrl,
                    "jobwatch.bullmq.queues=" + QUEUE,
                    "jobwatch.bullmq.prefix=" + prefix,
                    "jobwatch.bullmq.log-poll=50ms")) {
                run(server, redisUrl, prefix, bullmq);
            }
        }
    }

    private void run(TestServer server, String redisUrl, String prefix, String bullmq) throws Exception {
        Process node = BullMqNode.start(
                "interop.mjs",
                bullmq,
                Map.of(
                        "REDIS_URL",
                        redisUrl,
                        "BULLMQ_PREFIX",
                        prefix,
                        "QUEUE",
                        QUEUE,
                        "JOBWATCH_URL",
                        "http://localhost:" + server.port()));
        try {
            BufferedReader out = BullMqNode.output(node);
            CompletableFuture<JsonNode> added = CompletableFuture.supplyAsync(() -> BullMqNode.message(out, "added"));
            List<String> ids = new ArrayList<>();
            added.get(60, TimeUnit.SECONDS).get("added").forEach(id -> ids.add(id.asString()));
            assertThat(ids).containsExactly("ok-1", "bad-1", "http-1", "kept-1");

            SseClient sse = new SseClient(server.port());
            Map<String, CompletableFuture<List<JsonNode>>> watched =
                    Map.of("ok-1", follow(sse, "ok-1"), "bad-1", follow(sse, "bad-1"), "http-1", follow(sse, "http-1"));
            OutputStream in = node.getOutputStream();
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
            in.flush();

            JsonNode result = CompletableFuture.supplyAsync(() -> BullMqNode.message(out, "result"))
                    .get(60, TimeUnit.SECONDS)
                    .get("result");
            WorkerApiClient api = new WorkerApiClient(server.port());
            api.http
                    .get()
                    .uri("/api/w/" + NAMESPACE + "/jobs_u/get/ok-1")
                    .header("Authorization", "Bearer " + WorkerApiClient.PRODUCER)
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.logs")
                    .isEqualTo(OK_LOG)
                    .jsonPath("$.result.answer")
                    .isEqualTo(42)
                    .jsonPath("$.name")
                    .isEqualTo("ok")
                    .jsonPath("$.args.n")
                    .isEqualTo(1);
            api.http
                    .get()
                    .uri("/api/w/" + NAMESPACE + "/jobs_u/getupdate/ok-1?log_offset=7&get_progress=true")
                    .header("Authorization", "Bearer " + WorkerApiClient.PRODUCER)
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.completed")
                    .isEqualTo(true)
                    .jsonPath("$.new_logs")
                    .isEqualTo(OK_LOG.substring(OK_LOG.offsetByCodePoints(0, 6)))
                    .jsonPath("$.log_offset")
                    .isEqualTo(OK_LOG.codePointCount(0, OK_LOG.length()) + 1)
                    .jsonPath("$.progress.pct")
                    .isEqualTo(100)
                    .jsonPath("$.job")
                    .doesNotExist();
            api.http
                    .get()
                    .uri("/queues/" + NAMESPACE + "/jobs/ok-1/logs?start=1&length=2")
                    .header("Authorization", "Bearer " + WorkerApiClient.PRODUCER)
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .json("{\"count\":4,\"logs\":[\"héllo wörld ✓ 🎉\",\"\"]}");
            api.http
                    .post()
                    .uri("/queues/" + NAMESPACE + "/jobs/ok-1/complete")
                    .header("Authorization", "Bearer " + WorkerApiClient.PRODUCER)
                    .exchange()
                    .expectStatus()
                    .isBadRequest();
            api.http
                    .get()
                    .uri("/api/w/bullmq.not-served/jobs_u/get/ok-1")
                    .header("Authorization", "Bearer " + WorkerApiClient.PRODUCER)
                    .exchange()
                    .expectStatus()
                    .isNotFound();
            List<JsonNode> ok = watched.get("ok-1").get(30, TimeUnit.SECONDS);
            assertThat(text(ok))
                    .as("every row BullMQ's job.log wrote, in order")
                    .isEqualTo(OK_LOG);
            assertThat(ok.get(0).path("completed").asBoolean(false))
                    .as("the watcher came before the job ran")
                    .isFalse();
            assertThat(ok)
                    .extracting(update -> update.path("progress").toString())
                    .as("progress from job.updateProgress")
                    .contains("10", "{\"step\":\"last\",\"pct\":100}");
            JsonNode okDone = last(ok);
            assertThat(okDone.path("log_offset").longValue()).isEqualTo(OK_LOG.codePointCount(0, OK_LOG.length()) + 1);
            assertThat(okDone.path("job").path("success").booleanValue()).isTrue();
            assertThat(okDone.path("job").path("result").toString()).isEqualTo("{\"answer\":42,\"rows\":4}");
            assertThat(okDone.path("job").path("type").stringValue()).isEqualTo("CompletedJob");

            JsonNode badDone = last(watched.get("bad-1").get(30, TimeUnit.SECONDS));
            assertThat(badDone.path("job").path("success").booleanValue())
                    .as("a job that threw")
                    .isFalse();
            assertThat(badDone.path("job")
                            .path("result")
                            .path("error")
                            .path("message")
                            .stringValue())
                    .isEqualTo("boom");
            assertThat(text(watched.get("bad-1").get())).isEqualTo("about to fail\n");

            List<JsonNode> http = watched.get("http-1").get(30, TimeUnit.SECONDS);
            assertThat(text(http))
                    .as("rows posted to jobwatch with the lock token")
                    .isEqualTo(HTTP_LOG);
            assertThat(http)
                    .extracting(update -> update.path("progress").toString())
                    .contains("{\"pct\":33}");
            assertThat(last(http).path("job").path("result").stringValue()).isEqualTo("via http");

            JsonNode statuses = result.get("statuses");
            assertThat(statuses.get("wrongToken").intValue())
                    .as("another token than the lock's")
                    .isEqualTo(401);
            assertThat(statuses.get("progress").intValue()).isEqualTo(200);
            assertThat(statuses.get("logs").toString()).isEqualTo("[200,200]");
            assertThat(statuses.get("jsonLog").intValue()).isEqualTo(200);
            assertThat(statuses.get("logPage").toString())
                    .as("rows 1 and 2 as bullmq-proxy pages them")
                    .isEqualTo("{\"count\":3,\"logs\":[\"ünïcödé 🚀\",\"as json\"]}");
            assertThat(statuses.get("afterFinish").intValue())
                    .as("a job that is no longer active")
                    .isEqualTo(401);
            assertThat(result.get("httpProgressEvents").toString())
                    .as("BullMQ's QueueEvents heard the progress")
                    .isEqualTo("[{\"pct\":33}]");
            assertThat(result.get("httpProgress").toString()).isEqualTo("{\"pct\":33}");
            assertThat(result.get("httpLogs").toString())
                    .as("BullMQ's getJobLogs reads the rows")
                    .isEqualTo("{\"logs\":[\"posted through jobwatch\",\"ünïcödé 🚀\",\"as json\"],\"count\":3}");
            assertThat(result.get("keptLogs").toString())
                    .as("the job's keepLogs holds")
                    .isEqualTo("{\"logs\":[\"two\",\"three\"],\"count\":2}");

            in.write("done\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertThat(node.waitFor(30, TimeUnit.SECONDS))
                    .as("the node script ends")
                    .isTrue();
            assertThat(node.exitValue()).isZero();
        } finally {
            node.destroyForcibly();
        }
    }

    private static CompletableFuture<List<JsonNode>> follow(SseClient sse, String id) {
        List<JsonNode> updates = new CopyOnWriteArrayList<>();
        CompletableFuture<List<JsonNode>> done = sse.updates(NAMESPACE, id, "get_progress=true")
                .filter(update -> update.path("type").asString("").equals("update"))
                .doOnNext(updates::add)
                .then(Mono.fromSupplier(() -> updates))
                .toFuture();
        // The first update comes at once: the job is watched before the worker starts.
        await().atMost(Duration.ofSeconds(20)).until(() -> !updates.isEmpty());
        return done;
    }

    private static String text(List<JsonNode> updates) {
        StringBuilder text = new StringBuilder();
        updates.forEach(update -> text.append(update.path("new_logs").asString("")));
        return text.toString();
    }

    private static JsonNode last(List<JsonNode> updates) {
        JsonNode last = updates.get(updates.size() - 1);
        assertThat(last.path("completed").asBoolean(false))
                .as("the stream ends with completion")
                .isTrue();
        return last;
    }
}
