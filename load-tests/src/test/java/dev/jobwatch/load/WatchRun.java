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
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatling.http.action.sse.SseInboundMessage;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import io.gatling.javaapi.http.SseConnectActionBuilder;
import io.gatling.javaapi.http.SseMessageCheck;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the three watch simulations share: {@code jobs} jobs, {@code watchers} watchers on each, and one
 * writer per job that starts it, posts {@code rate} log rows per second for {@code duration} (and a
 * progress value about once a second), sets progress 100 and completes it. Every watcher checks each
 * update against the rows written ({@link Watch}); each writer reads the job back at the end
 * ({@code GET /api/w/{ws}/jobs_u/get/{id}}) and checks its state, result and whole log.
 *
 * <p>Watchers use Gatling's SSE support, so the report has an entry per connection ({@code watch}: until
 * the stream answered), per event checked ({@code update}: how long the watcher waited for it) and per
 * {@code close}; what spans events (offsets, the log so far) is the watcher's state in its session.
 *
 * <p>Assertions: no failed request, every watcher verified, every job verified, so the run fails
 * (Maven exits non-zero) on any wrong or missing update.
 */
final class WatchRun {

    static final String WATCH = "watch";
    static final String UPDATE = "update";
    static final String CLOSE = "close";
    static final String VERIFY_WATCHER = "verify watcher";
    static final String VERIFY_JOB = "verify job";

    /**
     * Checks a watcher sets per turn of its loop over events. Gatling's SSE checks look at one message
     * each, so a watcher sets the next as soon as the last one passed; but Gatling defers a loop's next turn
     * to the event loop when the same user turns it twice in a row, and an event that comes in the same
     * read before that turn sets its check is held back, checked without a report entry of its own. Fewer
     * turns, fewer such events.
     */
    private static final int CHECKS_PER_TURN = 16;

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
        int count =
                Params.integer("rows", (int) Math.max(1, Math.round(this.rate * this.duration.toMillis() / 1000.0)));
        this.rows = new Rows(
                Params.positive("rows", count),
                Params.positive("rowLength", Params.integer("rowLength", 64)),
                Params.flag("unicode", false));
        this.minTimeouts = Params.integer("minTimeouts", minTimeouts);
        this.progressEvery = Math.max(1, (int) Math.round(this.rate));
        Watch.Resume.of(resume, 0); // fails early on a wrong -Dresume
    }

    HttpProtocolBuilder protocol() {
        return http.baseUrl(base)
                // Room for the events that come while no check waits (pings, mostly); without it Gatling
                // keeps none, and a dropped update would fail its watcher.
                .sseUnmatchedInboundMessageBufferSize(1000)
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
        System.out.printf(
                "%s: %s, namespace %s: %d job(s) x %d watcher(s), %d rows of %d code points per job at %.1f rows/s,"
                        + " resume by %s%s%n",
                simulation,
                base,
                namespace,
                jobs,
                watchers,
                rows.count(),
                rows.row("job-0", 0).codePointCount(0, rows.row("job-0", 0).length()),
                rate,
                resume,
                minTimeouts > 0 ? ", each watcher must hear " + minTimeouts + "+ timeouts" : "");
    }

    /** Prints the watchers' totals; called from the simulation's {@code after()}. */
    void after(String simulation) {
        System.out.println(simulation + ": " + totals.summary(jobs * watchers));
    }

    List<PopulationBuilder> populations() {
        int totalWatchers = jobs * watchers;
        OpenInjectionStep watchersIn = ramp.isZero()
                ? atOnceUsers(totalWatchers)
                : rampUsers(totalWatchers).during(ramp);
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

    /** Whether the watcher waits for another event on its connection: none ended it, and no check failed. */
    private static boolean streaming(Session session) {
        return watch(session).streaming() && !session.isFailed();
    }

    private ChainBuilder watcher() {
        // The longest a watcher waits for its next event other than a ping: the writers start after warmup
        // and ramp, and a stream that hears nothing ends with timeout after its lifetime.
        Duration wait = warmup.plus(ramp).plus(duration).plus(Duration.ofMinutes(3));
        // Every event but a ping: a check is named before it sees its message, so the timeout event that
        // ends a connection is an update entry too, and only the simulation's totals tell them apart.
        SseMessageCheck update = sse.checkMessage(UPDATE)
                .matching(bodyString().transform(Watch::isPing).is(false))
                .check(Checks.body(
                        "update checked", (message, session) -> watch(session).event(message)));
        return exec(session -> {
                    int index = nextWatcher.getAndIncrement();
                    Setup.Job job = added.get(index % added.size());
                    Watch watch = new Watch(
                            job,
                            rows.log(job.id()),
                            result(job.id(), rows.count()),
                            Watch.Resume.of(resume, index),
                            maxConnections,
                            minTimeouts,
                            totals);
                    return session.set("watch", watch).set("watchToken", job.watchToken());
                })
                .asLongAs(session -> !watch(session).finished())
                .on(exec(session -> {
                            watch(session).connecting();
                            return session;
                        })
                        .doIfOrElse(session -> watch(session).resumesByHeader())
                        .then(exec(connect(wait, update)
                                .header(
                                        "Last-Event-ID",
                                        session -> watch(session).lastEventId())))
                        .orElse(exec(connect(wait, update)))
                        .asLongAs(WatchRun::streaming)
                        .on(exec(Collections.nCopies(
                                CHECKS_PER_TURN,
                                exec(held())
                                        .doIf(WatchRun::streaming)
                                        .then(exec(sse(UPDATE)
                                                .setCheck()
                                                .await(wait)
                                                .on(update))))))
                        .exec(held())
                        // After completed or timeout a browser's EventSource must close the stream
                        // itself, or it reconnects on its own; the watcher does the same.
                        .exec(sse(CLOSE).close())
                        .exec(session -> {
                            if (session.isFailed()) {
                                watch(session)
                                        .failed("Gatling failed its stream or a check on it (see Gatling's errors)");
                            }
                            watch(session).closed();
                            return session;
                        }))
                .exec(http(VERIFY_WATCHER)
                        .get(session -> watch(session).pollPath())
                        .header("Authorization", "Bearer #{watchToken}")
                        .check(
                                status().is(200),
                                Checks.body(
                                        "watcher verified",
                                        (body, session) -> watch(session).verify(body))));
    }

    /**
     * Connects the stream and checks its first event. Gatling sends {@code Accept: text/event-stream} and
     * fails the request on any status but 200 or another content type.
     */
    private SseConnectActionBuilder connect(Duration wait, SseMessageCheck update) {
        return sse(WATCH)
                .get(session -> watch(session).streamPath())
                .header("Authorization", "Bearer #{watchToken}")
                .await(wait)
                .on(update);
    }

    /**
     * Hands the watcher what Gatling held back since the last check (a check set later does not see it,
     * and setting one drops it), so every event is checked once and in order.
     */
    private static ActionBuilder held() {
        return sse.processUnmatchedMessages((messages, session) -> {
            watch(session)
                    .held(messages.stream().map(SseInboundMessage::message).toList());
            return session;
        });
    }

    private ChainBuilder writer() {
        Duration interval = Duration.ofNanos(Math.round(1_000_000_000L / rate));
        String jobPath = "/queues/#{ns}/jobs/#{jobId}";
        return exec(session -> {
                    Setup.Job job = added.get(nextWriter.getAndIncrement());
                    return session.set("ns", job.namespace())
                            .set("jobId", job.id())
                            .set("jobToken", job.token())
                            .set("watchToken", job.watchToken());
                })
                .pause(warmup.plus(ramp))
                .exec(session -> session.set("writeStart", System.nanoTime()))
                .exec(worker("start", jobPath + "/start", null, null))
                .repeat(rows.count(), "row")
                .on(pace(interval)
                        .exec(worker(
                                "log row",
                                jobPath + "/logs",
                                "text/plain; charset=UTF-8",
                                session -> rows.row(session.getString("jobId"), session.getInt("row"))))
                        .doIf(session -> (session.getInt("row") + 1) % progressEvery == 0
                                && session.getInt("row") + 1 < rows.count())
                        .then(exec(worker(
                                "progress",
                                jobPath + "/progress",
                                "application/json",
                                session -> String.valueOf((session.getInt("row") + 1) * 100L / rows.count())))))
                .exec(session -> {
                    totals.writeRates.add(rows.count() / ((System.nanoTime() - session.getLong("writeStart")) / 1e9));
                    return session;
                })
                .exec(worker("progress", jobPath + "/progress", "application/json", session -> "100"))
                .exec(session -> {
                    totals.completeSent.put(session.getString("jobId"), System.nanoTime());
                    if (jobs == 1) {
                        System.out.println(
                                "writer: completing " + session.getString("jobId") + " at " + java.time.Instant.now());
                    }
                    return session;
                })
                .exec(worker(
                        "complete",
                        jobPath + "/complete",
                        "application/json",
                        session -> "{\"success\":true,\"result\":" + result(session.getString("jobId"), rows.count())
                                + "}"))
                .exec(http(VERIFY_JOB)
                        .get("/api/w/#{ns}/jobs_u/get/#{jobId}")
                        .header("Authorization", "Bearer #{watchToken}")
                        .check(
                                status().is(200),
                                Checks.body(
                                        "job checked",
                                        (body, session) -> verifyJob(body, session.getString("jobId")))));
    }

    /** A worker route with the job token, checked for 200 and {@code OK}. */
    static HttpRequestActionBuilder worker(
            String name, String path, String type, java.util.function.Function<Session, String> body) {
        HttpRequestActionBuilder request = http(name)
                .post(path)
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
        if (!"CompletedJob".equals(job.path("type").asText())
                || !"completed".equals(job.path("state").asText())
                || !job.path("success").asBoolean(false)
                || !result(id, rows.count()).equals(job.path("result"))
                || job.path("progress").asLong(-1) != 100) {
            return id + " is not completed with success, the writer's result and progress 100: " + Watch.clip(body);
        }
        String logs = job.path("logs").asText(null);
        if (!log.equals(logs)) {
            return id + "'s log holds "
                    + (logs == null ? "nothing" : logs.codePointCount(0, logs.length()) + " code points")
                    + ", expected the " + rows.count() + " rows written (" + rows.logLength(id) + " code points)";
        }
        return Watch.OK;
    }
}
