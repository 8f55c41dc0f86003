package dev.jobwatch.load;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Worker API throughput: {@code -Drate} jobs per second (default 10) for {@code -Dduration} (default 5s),
 * each one virtual user going through a job's life as a producer and a BullMQ worker would: add
 * ({@code POST /queues/{q}/jobs}, producer token), start, progress, {@code -Dlogs} log rows (default 3),
 * one result-stream chunk, complete (job token), then read it back. Checks: every worker call answers 200
 * {@code OK}; the add answers the job queued with its token; {@code GET /queues/{q}/jobs/{id}} answers it
 * completed with success, its result and progress; {@code GET .../logs} answers exactly its rows.
 * Optional {@code -Dp99ms}: fails the run when the 99th percentile of all requests is above it.
 */
public class WorkerApiSimulation extends Simulation {

    private final String base = Params.base();
    private final String token = Params.token();
    private final String namespace = Params.namespace("worker");
    private final double rate = Params.number("rate", 10);
    private final Duration duration = Params.duration("duration", Duration.ofSeconds(5));
    private final int logs = Params.integer("logs", 3);
    private final int p99 = Params.integer("p99ms", 0);
    private final Rows rows = new Rows(
            logs, Params.positive("rowLength", Params.integer("rowLength", 64)), Params.flag("unicode", false));
    private final AtomicInteger started = new AtomicInteger();
    private final LongAdder verified = new LongAdder();

    {
        if (!(rate > 0) || logs < 0 || logs > 100) {
            throw new IllegalArgumentException("-Drate must be above 0 and -Dlogs 0 to 100");
        }
        HttpProtocolBuilder protocol = http.baseUrl(base)
                .disableWarmUp()
                .userAgentHeader("jobwatch-load-tests")
                .disableCaching();
        List<Assertion> assertions = new ArrayList<>();
        assertions.add(global().failedRequests().count().is(0L));
        assertions.add(global().successfulRequests().count().gt(0L));
        if (p99 > 0) {
            assertions.add(global().responseTime().percentile(99).lte(p99));
        }
        setUp(scenario("workers")
                        .exec(job())
                        .injectOpen(constantUsersPerSec(rate).during(duration))
                        .protocols(protocol))
                .assertions(assertions);
    }

    @Override
    public void before() {
        new Setup(base, token).requireReady();
        System.out.printf(
                "WorkerApiSimulation: %s, namespace %s: %.1f jobs/s for %ss, %d log rows each%n",
                base, namespace, rate, duration.toMillis() / 1000.0, logs);
    }

    @Override
    public void after() {
        System.out.printf(
                "WorkerApiSimulation: jobs started %d, verified completed with their logs %d%n",
                started.get(), verified.sum());
    }

    private ChainBuilder job() {
        String jobPath = "/queues/#{ns}/jobs/#{jobId}";
        return exec(session -> {
                    int n = started.getAndIncrement();
                    return session.set("ns", namespace).set("jobId", "w-" + n).set("n", n);
                })
                .exec(producer(http("add").post("/queues/#{ns}/jobs"))
                        .header("Content-Type", "application/json")
                        .body(StringBody("[{\"name\":\"work\",\"id\":\"#{jobId}\",\"data\":{\"n\":#{n}}}]"))
                        .check(
                                status().is(200),
                                jsonPath("$[0].id").isEL("#{jobId}"),
                                jsonPath("$[0].state").is("queued"),
                                jsonPath("$[0].token").saveAs("jobToken")))
                .exitHereIfFailed()
                .exec(WatchRun.worker("start", jobPath + "/start", null, null))
                .exec(WatchRun.worker("progress", jobPath + "/progress", "application/json", session -> "50"))
                .repeat(logs, "row")
                .on(exec(WatchRun.worker(
                        "logs",
                        jobPath + "/logs",
                        "text/plain; charset=UTF-8",
                        session -> rows.row(session.getString("jobId"), session.getInt("row")))))
                .exec(WatchRun.worker("stream", jobPath + "/stream", "text/plain; charset=UTF-8", session -> "chunk"))
                .exec(WatchRun.worker(
                        "complete",
                        jobPath + "/complete",
                        "application/json",
                        session -> "{\"success\":true,\"result\":{\"n\":" + session.getInt("n") + "}}"))
                .exec(producer(http("job state").get(jobPath))
                        .check(status().is(200), Checks.body("job checked", this::checkJob)))
                .exec(http("read logs")
                        .get(jobPath + "/logs?start=0&length=" + Math.max(1, logs))
                        .header("Authorization", "Bearer #{jobToken}")
                        .check(status().is(200), Checks.body("logs checked", this::checkLogs)));
    }

    private HttpRequestActionBuilder producer(HttpRequestActionBuilder request) {
        return token.isEmpty() ? request : request.header("Authorization", "Bearer " + token);
    }

    private String checkJob(String body, Session session) {
        JsonNode job;
        try {
            job = Setup.JSON.readTree(body);
        } catch (IOException e) {
            return "not JSON: " + Watch.clip(body);
        }
        boolean right = "CompletedJob".equals(job.path("type").asText())
                && "completed".equals(job.path("state").asText())
                && job.path("success").asBoolean(false)
                && job.path("result").path("n").asInt(-1) == session.getInt("n")
                && job.path("progress").asInt(-1) == 50
                && session.getString("jobId").equals(job.path("id").asText())
                && namespace.equals(job.path("workspace_id").asText())
                && !job.path("started_at").isNull();
        return right
                ? Watch.OK
                : "not completed with success, result {n:" + session.getInt("n") + "}, progress 50: "
                        + Watch.clip(body);
    }

    private String checkLogs(String body, Session session) {
        JsonNode answer;
        try {
            answer = Setup.JSON.readTree(body);
        } catch (IOException e) {
            return "not JSON: " + Watch.clip(body);
        }
        JsonNode got = answer.path("logs");
        boolean right = answer.path("count").asInt(-1) == logs && got.isArray() && got.size() == logs;
        for (int i = 0; right && i < logs; i++) {
            right = rows.row(session.getString("jobId"), i).equals(got.get(i).asText());
        }
        if (!right) {
            return "logs are not the " + logs + " rows written: " + Watch.clip(body);
        }
        verified.increment();
        return Watch.OK;
    }
}
