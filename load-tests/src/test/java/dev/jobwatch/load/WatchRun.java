package dev.jobwatch.load;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the three watch simulations share: {@code jobs} jobs, {@code watchers} watchers on each, and one
 * writer per job that starts it, posts {@code rate} log rows per second for {@code duration} (and a
 * progress value about once a second), sets progress 100 and completes it. Every watcher checks each
 * update against the rows written ({@link Watch}); each writer reads the job back at the end
 * ({@code GET /api/w/{ws}/jobs_u/get/{id}}) and checks its state, result and whole log.
 *
 * <p>Assertions: no failed request, every watcher verified, every job verified, so the run fails
 * (Maven exits non-zero) on any wrong or missing update.
 */
final class WatchRun {

    static final String WATCH = "watch";
    static final String VERIFY_WATCHER = "verify watcher";
    static final String VERIFY_JOB = "verify job";

    final String base = Params.base();
    final String token = Params.token();
    final String namespace;
    final int jobs;
    final int watchers;
    final double rate;
    final Duration duration;
    final Rows rows;
    final Duration warmup = Params.duration("warmup", Duration.ofSeconds(1));
    final Duration ramp = Params.duration("ramp", Duration.ZERO);
    final String resume = Params.string("resume", "query");
    final int maxConnections = Params.integer("maxConnections", 1000);
    final int minTimeouts;
    final int progressEvery;

    private final Watch.Totals totals = new Watch.Totals();
    private final AtomicInteger nextWatcher = new AtomicInteger();
    private final AtomicInteger nextWriter = new AtomicInteger();
    private volatile List<Setup.Job> added = List.of();

    /**
     * @param name        the simulation's short name, part of the namespace
     * @param jobs        default for {@code -Djobs}
     * @param watchers    default for {@code -Dwatchers} (per job)
     * @param rate        default for {@code -Drate} (rows per second per job)
     * @param duration    default for {@code -Dduration} (how long each writer writes)
     * @param minTimeouts default for {@code -DminTimeouts} (timeouts each watcher must hear)
     */
    WatchRun(String name, int jobs, int watchers, double rate, Duration duration, int minTimeouts) {
        this.namespace = Params.namespace(name);
        this.jobs = Params.positive("jobs", Params.integer("jobs", jobs));
        this.watchers = Params.positive("watchers", Params.integer("watchers", watchers));
        this.rate = Params.number("rate", rate);
        if (!(this.rate > 0)) {
            throw new IllegalArgumentException("-Drate must be above 0");
        }
        this.duration = Params.duration("duration", duration);
        int count = Params.integer("rows", (int) Math.max(1, Math.round(this.rate * this.duration.toMillis() / 1000.0)));
        this.rows = new Rows(Params.positive("rows", count), Params.positive("rowLength", Params.integer("rowLength", 64)),
                Params.flag("unicode", false));
        this.minTimeouts = Params.integer("minTimeouts", minTimeouts);
        this.progressEvery = Math.max(1, (int) Math.round(this.rate));
        Watch.Resume.of(resume, 0); // fails early on a wrong -Dresume
    }

    HttpProtocolBuilder protocol() {
        return http.baseUrl(base)
                .disableWarmUp()
                .userAgentHeader("jobwatch-load-tests")
                .disableCaching();
    }

    /** Adds the jobs; called from the simulation's {@code before()}. */
    void before(String simulation) {
        Setup setup = new Setup(base, token);
        setup.requireReady();
        List<String> ids = new ArrayList<>(jobs);
        for (int i = 0; i < jobs; i++) {
            ids.add("job-" + i);
        }
        added = setup.addJobs(namespace, ids, simulation);
        System.out.printf("%s: %s, namespace %s: %d job(s) x %d watcher(s), %d rows of %d code points per job at %.1f rows/s,"
                        + " resume by %s%s%n", simulation, base, namespace, jobs, watchers, rows.count(),
                rows.row("job-0", 0).codePointCount(0, rows.row("job-0", 0).length()), rate, resume,
                minTimeouts > 0 ? ", each watcher must hear " + minTimeouts + "+ timeouts" : "");
    }

    /** Prints the watchers' totals; called from the simulation's {@code after()}. */
    void after(String simulation) {
        System.out.println(simulation + ": " + totals.summary(jobs * watchers));
    }

    List<PopulationBuilder> populations() {
        int totalWatchers = jobs * watchers;
        OpenInjectionStep watchersIn = ramp.isZero() ? atOnceUsers(totalWatchers) : rampUsers(totalWatchers).during(ramp);
        return List.of(
                scenario("watchers").exec(watcher()).injectOpen(watchersIn).protocols(protocol()),
                scenario("writers").exec(writer()).injectOpen(atOnceUsers(jobs)).protocols(protocol()));
    }

    List<Assertion> assertions() {
        return List.of(
                global().failedRequests().count().is(0L),
                details(VERIFY_WATCHER).successfulRequests().count().is((long) jobs * watchers),
                details(VERIFY_JOB).successfulRequests().count().is((long) jobs));
    }

    /** The result each writer completes its job with. */
    static JsonNode result(String id, int rows) {
        ObjectNode result = Setup.JSON.createObjectNode();
        result.put("job", id);
        result.put("rows", rows);
        return result;
    }

    private static Watch watch(Session session) {
        return (Watch) session.get("watch");
    }

    private ChainBuilder watcher() {
        Duration timeout = warmup.plus(ramp).plus(duration).plus(Duration.ofMinutes(3));
        return exec(session -> {
            int index = nextWatcher.getAndIncrement();
            Setup.Job job = added.get(index % added.size());
            Watch watch = new Watch(job, rows.log(job.id()), result(job.id(), rows.count()), Watch.Resume.of(resume, index),
                    maxConnections, minTimeouts, totals);
            return session.set("watch", watch).set("watchToken", job.watchToken());
        })
                .asLongAs(session -> !watch(session).finished()).on(
                        exec(session -> session.set("useHeader", watch(session).resumesByHeader()))
                                .doIfOrElse(session -> session.getBoolean("useHeader"))
                                .then(exec(stream(timeout).header("Last-Event-ID", session -> watch(session).lastEventId())))
                                .orElse(exec(stream(timeout)))
                                .exitHereIfFailed())
                .exec(http(VERIFY_WATCHER).get(session -> watch(session).pollPath())
                        .header("Authorization", "Bearer #{watchToken}")
                        .check(status().is(200),
                                Checks.body("watcher verified", (body, session) -> watch(session).verify(body))));
    }

    private HttpRequestActionBuilder stream(Duration timeout) {
        return http(WATCH).get(session -> watch(session).streamPath())
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer #{watchToken}")
                .requestTimeout(timeout)
                .check(status().is(200),
                        Checks.body("updates checked", (body, session) -> watch(session).consume(body)));
    }

    private ChainBuilder writer() {
        Duration interval = Duration.ofNanos(Math.round(1_000_000_000L / rate));
        String jobPath = "/queues/#{ns}/jobs/#{jobId}";
        return exec(session -> {
            Setup.Job job = added.get(nextWriter.getAndIncrement());
            return session.set("ns", job.namespace()).set("jobId", job.id()).set("jobToken", job.token())
                    .set("watchToken", job.watchToken());
        })
                .pause(warmup.plus(ramp))
                .exec(session -> session.set("writeStart", System.nanoTime()))
                .exec(worker("start", jobPath + "/start", null, null))
                .repeat(rows.count(), "row").on(
                        pace(interval)
                                .exec(worker("log row", jobPath + "/logs", "text/plain; charset=UTF-8",
                                        session -> rows.row(session.getString("jobId"), session.getInt("row"))))
                                .doIf(session -> (session.getInt("row") + 1) % progressEvery == 0
                                        && session.getInt("row") + 1 < rows.count())
                                .then(exec(worker("progress", jobPath + "/progress", "application/json",
                                        session -> String.valueOf((session.getInt("row") + 1) * 100L / rows.count())))))
                .exec(session -> {
                    totals.writeRates.add(rows.count() / ((System.nanoTime() - session.getLong("writeStart")) / 1e9));
                    return session;
                })
                .exec(worker("progress", jobPath + "/progress", "application/json", session -> "100"))
                .exec(session -> {
                    totals.completeSent.put(session.getString("jobId"), System.nanoTime());
                    if (jobs == 1) {
                        System.out.println("writer: completing " + session.getString("jobId") + " at " + java.time.Instant.now());
                    }
                    return session;
                })
                .exec(worker("complete", jobPath + "/complete", "application/json",
                        session -> "{\"success\":true,\"result\":" + result(session.getString("jobId"), rows.count()) + "}"))
                .exec(http(VERIFY_JOB).get("/api/w/#{ns}/jobs_u/get/#{jobId}")
                        .header("Authorization", "Bearer #{watchToken}")
                        .check(status().is(200),
                                Checks.body("job checked", (body, session) -> verifyJob(body, session.getString("jobId")))));
    }

    /** A worker route with the job token, checked for 200 and {@code OK}. */
    static HttpRequestActionBuilder worker(String name, String path, String type,
            java.util.function.Function<Session, String> body) {
        HttpRequestActionBuilder request = http(name).post(path)
                .header("Authorization", "Bearer #{jobToken}")
                .check(ok());
        if (type != null) {
            request = request.header("Content-Type", type);
        }
        return body == null ? request : request.body(StringBody(body));
    }

    static CheckBuilder[] ok() {
        return new CheckBuilder[] {status().is(200), bodyString().is("OK")};
    }

    private String verifyJob(String body, String id) {
        JsonNode job;
        try {
            job = Setup.JSON.readTree(body);
        } catch (IOException e) {
            return "not JSON: " + Watch.clip(body);
        }
        String log = rows.log(id);
        if (!"CompletedJob".equals(job.path("type").asText()) || !"completed".equals(job.path("state").asText())
                || !job.path("success").asBoolean(false) || !result(id, rows.count()).equals(job.path("result"))
                || job.path("progress").asLong(-1) != 100) {
            return id + " is not completed with success, the writer's result and progress 100: " + Watch.clip(body);
        }
        String logs = job.path("logs").asText(null);
        if (!log.equals(logs)) {
            return id + "'s log holds " + (logs == null ? "nothing" : logs.codePointCount(0, logs.length()) + " code points")
                    + ", expected the " + rows.count() + " rows written (" + rows.logLength(id) + " code points)";
        }
        return Watch.OK;
    }
}
