package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Windmill's own TypeScript SDK ({@code windmill-client}, run by Node from {@code src/test/windmill})
 * pointed at jobwatch: it waits for, reads and cancels jobs that a worker runs over jobwatch's HTTP
 * worker routes, with the SDK's own functions, and what it gets back is checked here byte for byte
 * against what the worker wrote. Streams live one second, so that {@code getJobUpdatesSse} has to
 * reconnect across {@code timeout}s. Skipped without Node or {@code npm ci}, unless
 * {@code JOBWATCH_REQUIRE_NODE=1} (CI), where that is a failure.
 */
class WindmillSdkIntegrationTest {

    private static final Path PROJECT = Path.of("src/test/windmill").toAbsolutePath();
    private static final String LOGS = "starting\nhéllo wörld ✓ 🎉\n\n日本語のログ\n\ndone 🚀\n";
    private static final String STREAM = "part one, ünï 😀 last";
    private static final String RESULT = "{\"answer\":42,\"text\":\"日本 😀\",\"empty\":\"\"}";

    /** Per test rather than per class, so that a skip shows in the report as one. */
    @BeforeEach
    void nodeAndSdk() {
        NodeProject.require(PROJECT, "windmill-client", "The Windmill SDK test needs Node and windmill-client");
    }

    @Test
    void windmillsSdkWaitsForReadsAndCancelsJobsThatAWorkerRunsOverHttp() throws Exception {
        try (TestRedis.Lease redis = TestRedis.fromEnvironment();
                TestServer server = new TestServer(
                        redis.url(),
                        "jobwatch.watch.auth=token",
                        "jobwatch.watch.lifetime=1s",
                        "jobwatch.watch.spread=0s")) {
            JsonNode report = run(server, "sdk-" + UUID.randomUUID().toString().substring(0, 8));

            assertThat(report.get("wrote").get("logs").stringValue()).isEqualTo(LOGS);
            assertThat(report.get("wrote").get("stream").stringValue()).isEqualTo(STREAM);

            assertThat(report.get("maybeBefore").toString())
                    .as("getResultMaybe before the job ran")
                    .isEqualTo("{\"completed\":false,\"result\":null,\"success\":false,\"started\":false}");
            assertThat(report.get("resultBefore").get("status").intValue())
                    .as("getResult of a job not completed")
                    .isEqualTo(404);
            assertThat(report.get("completedBefore").get("status").intValue()).isEqualTo(404);
            assertThat(report.get("progressBefore").isNull()).isTrue();
            assertThat(report.get("progressWhileRunning").intValue()).isEqualTo(25);
            assertThat(report.get("maybeWhileRunning").toString())
                    .isEqualTo("{\"completed\":false,\"result\":null,\"success\":false,\"started\":true}");

            assertThat(report.get("waited").get("returned").toString())
                    .as("waitJob returns the result")
                    .isEqualTo(RESULT);
            assertThat(report.get("maybeAfter").toString())
                    .isEqualTo("{\"completed\":true,\"result\":" + RESULT + ",\"success\":true,\"started\":true}");
            assertThat(report.get("result").toString()).isEqualTo(RESULT);

            JsonNode sse = report.get("sse");
            assertThat(sse.get("logs").stringValue())
                    .as("getJobUpdatesSse, looped across timeouts")
                    .isEqualTo(LOGS);
            assertThat(sse.get("stream").stringValue()).isEqualTo(STREAM);
            assertThat(sse.get("timeouts").intValue())
                    .as("the loop reconnected after timeouts")
                    .isPositive();
            assertThat(sse.get("connections").intValue()).isGreaterThan(1);
            assertThat(sse.get("running").booleanValue()).isTrue();
            assertThat(sse.get("progress").toString()).contains("25", "80");
            assertThat(sse.get("job").get("result").toString()).isEqualTo(RESULT);
            assertThat(sse.get("job").get("type").stringValue()).isEqualTo("CompletedJob");

            JsonNode polled = report.get("polled");
            assertThat(polled.get("logs").stringValue())
                    .as("getJobUpdates polled to completion")
                    .isEqualTo(LOGS);
            assertThat(polled.get("stream").stringValue()).isEqualTo(STREAM);
            assertThat(polled.get("logOffset").longValue()).isEqualTo(LOGS.codePointCount(0, LOGS.length()) + 1);

            JsonNode completed = report.get("completed");
            assertThat(completed.get("logs").stringValue())
                    .as("getCompletedJob")
                    .isEqualTo(LOGS);
            assertThat(completed.get("result").toString()).isEqualTo(RESULT);
            assertThat(completed.get("success").booleanValue()).isTrue();
            assertThat(completed.get("canceled").booleanValue()).isFalse();
            assertThat(completed.get("duration_ms").isNumber()).isTrue();
            assertThat(report.get("logs").stringValue()).as("getJobLogs").isEqualTo(LOGS);
            assertThat(report.get("logsTail").stringValue())
                    .as("getCompletedJobLogsTail")
                    .isEqualTo(LOGS);
            assertThat(report.get("job").get("logs").stringValue()).isEqualTo(LOGS);
            assertThat(report.get("jobNoLogs").has("logs"))
                    .as("getJob with noLogs")
                    .isFalse();
            assertThat(report.get("jobNoLogs").get("result").toString()).isEqualTo(RESULT);
            assertThat(report.get("progressAfter").intValue()).isEqualTo(80);
            assertThat(report.get("args").toString()).isEqualTo("{\"x\":\"ü\"}");
            assertThat(report.get("rootOfChild").stringValue()).isEqualTo("main");
            assertThat(report.get("rootOfMain").stringValue()).isEqualTo("main");
            assertThat(report.get("timing").get("created_at").stringValue())
                    .isEqualTo(completed.get("created_at").stringValue());
            assertThat(report.get("timing").get("duration_ms").longValue())
                    .isEqualTo(completed.get("duration_ms").longValue());

            assertThat(report.get("resultWithWatchToken").toString())
                    .as("the job's watch token reads it")
                    .isEqualTo(RESULT);
            assertThat(report.get("cancelWithWatchToken").get("status").intValue())
                    .as("and cancels nothing")
                    .isEqualTo(401);
            assertThat(report.get("otherJobWithWatchToken").get("status").intValue())
                    .isEqualTo(401);

            assertThat(report.get("failed").get("thrown").stringValue())
                    .as("waitJob throws for a failed job")
                    .isEqualTo("Job failing was not successful: {\"name\":\"Error\",\"message\":\"boom\"}");

            assertThat(report.get("cancelQueued").stringValue())
                    .as("cancelJob on a queued job")
                    .isEqualTo("queued");
            JsonNode canceledQueued = report.get("canceledQueued");
            assertThat(canceledQueued.get("completed").booleanValue()).isTrue();
            assertThat(canceledQueued.get("success").booleanValue()).isFalse();
            assertThat(canceledQueued.get("result").get("error").get("message").stringValue())
                    .isEqualTo("Job canceled: not needed");
            assertThat(report.get("waitCanceled").get("thrown").stringValue())
                    .startsWith("Job queued was not successful: ")
                    .contains("Job canceled: not needed");

            assertThat(report.get("maybeRunning").get("started").booleanValue()).isTrue();
            assertThat(report.get("cancelRunning").stringValue())
                    .as("cancelJob on a running job")
                    .isEqualTo("running");
            assertThat(report.get("writeAfterCancel").intValue())
                    .as("the worker's next write")
                    .isEqualTo(409);
            JsonNode canceledRunning = report.get("canceledRunning");
            assertThat(canceledRunning.get("canceled").booleanValue()).isTrue();
            assertThat(canceledRunning.get("canceled_reason").stringValue())
                    .isEqualTo("cancelled via cancelJob method");
            assertThat(canceledRunning.get("logs").stringValue()).isEqualTo("working\n");
            assertThat(report.get("cancelAgain").stringValue()).isEqualTo("queued job id running is already completed");
        }
    }

    private static JsonNode run(TestServer server, String workspace) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("node", "sdk.mjs")
                .directory(PROJECT.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment()
                .putAll(Map.of(
                        "JOBWATCH_URL",
                        "http://localhost:" + server.port(),
                        "PRODUCER_TOKEN",
                        WorkerApiClient.PRODUCER,
                        "WORKSPACE",
                        workspace));
        Process node = builder.start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
            JsonNode report = CompletableFuture.supplyAsync(() -> report(out)).get(120, TimeUnit.SECONDS);
            assertThat(node.waitFor(30, TimeUnit.SECONDS))
                    .as("the node script ends")
                    .isTrue();
            assertThat(node.exitValue()).isZero();
            return report;
        } finally {
            node.destroyForcibly();
        }
    }

    /** The script's report line, skipping anything else it prints. */
    private static JsonNode report(BufferedReader out) {
        try {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("{\"report\"")) {
                    return SseClient.JSON.readTree(line).get("report");
                }
            }
            throw new IllegalStateException("the node script ended without its report");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
