package dev.jobwatch.demo;

import dev.jobwatch.auth.Access;
import dev.jobwatch.job.Credential;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.NewJob;
import dev.jobwatch.store.JobQueue;
import dev.jobwatch.store.JobWrites;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Synthetic jobs for a first look: once the server listens, it adds a few jobs to the namespace
 * {@value #NAMESPACE} and plays a worker for each through the store's {@link JobWrites}, on a timer, for a
 * bounded number of steps, then logs the address of a live job page. Nothing runs after the last step
 * or after the server stops.
 */
final class DemoJobs implements ApplicationListener<WebServerInitializedEvent>, DisposableBean {

    static final String NAMESPACE = "demo";

    private static final Logger log = LoggerFactory.getLogger(DemoJobs.class);
    private static final String RESET = "\u001b[0m";
    private static final String DIM = "\u001b[2m";
    private static final String BOLD = "\u001b[1m";
    private static final String RED = "\u001b[31m";
    private static final String GREEN = "\u001b[32m";
    private static final String YELLOW = "\u001b[33m";
    private static final String CYAN = "\u001b[36m";

    private final JobQueue queue;
    private final JobWrites store;
    private final Access access;
    private final Duration step;
    private volatile Disposable running;

    DemoJobs(JobQueue queue, JobWrites store, Access access, Duration step) {
        this.queue = queue;
        this.store = store;
        this.access = access;
        this.step = step;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if (running != null || event.getApplicationContext().getServerNamespace() != null) {
            return;
        }
        String run = UUID.randomUUID().toString().substring(0, 6);
        List<Script> scripts = List.of(
                new Script("build-" + run, "build", 240, Duration.ZERO, true),
                new Script("test-" + run, "test", 90, Duration.ofSeconds(3), false),
                new Script("deploy-" + run, "deploy", 120, Duration.ofSeconds(20), true));
        List<NewJob> jobs = scripts.stream()
                .map(script -> new NewJob(script.id(), "{\"name\":\"" + script.name() + "\",\"data\":{\"demo\":true}}"))
                .toList();
        int port = event.getWebServer().getPort();
        running = queue.add(NAMESPACE, jobs)
                .doOnNext(added -> announce(port, added.get(0)))
                .flatMapMany(added -> Flux.range(0, scripts.size())
                        .flatMap(i -> play(
                                scripts.get(i),
                                new Credential.Signed(added.get(i).incarnation()))))
                .subscribe(null, error -> log.warn("Demo jobs stopped: {}", error.toString()));
    }

    @Override
    public void destroy() {
        Disposable demo = running;
        if (demo != null) {
            demo.dispose();
        }
    }

    private void announce(int port, Job job) {
        String base = "http://localhost:" + port;
        log.info(
                "Demo mode: a live job at {}/jobs/{}/{}#token={} (all demo jobs: {}/?namespace={})",
                base,
                NAMESPACE,
                job.ref().id(),
                access.watchToken(job.ref(), job.incarnation()),
                base,
                NAMESPACE);
    }

    /** One job's worker: starts it, then one step per tick (a log row, progress, now and then a chunk), then completes it. */
    private Mono<Void> play(Script script, Credential worker) {
        JobRef ref = new JobRef(NAMESPACE, script.id());
        // Deferred, since the store stamps a write with the time it is built.
        return Mono.delay(script.delay())
                .then(Mono.defer(() -> store.start(ref, worker)))
                .then(Mono.defer(() -> store.appendLog(
                        ref,
                        worker,
                        Mono.just(BOLD + CYAN + "▶ " + script.name() + RESET + " started by the jobwatch demo"))))
                .thenMany(Flux.interval(step)
                        .onBackpressureDrop()
                        .zipWith(Flux.range(1, script.steps()), 1)
                        .concatMap(tick -> stepOf(script, ref, worker, tick.getT2()), 1))
                .then(Mono.defer(() -> finish(script, ref, worker)))
                .onErrorResume(error -> {
                    log.warn("Demo job {} stopped: {}", script.id(), error.toString());
                    return Mono.empty();
                });
    }

    private Mono<Void> stepOf(Script script, JobRef ref, Credential worker, int n) {
        Mono<Void> writes = store.appendLog(ref, worker, Mono.just(row(script, n)))
                .then(Mono.defer(
                        () -> store.progress(ref, worker, Mono.just(Integer.toString(n * 100 / script.steps())))));
        if (n % 30 == 0) {
            writes = writes.then(Mono.defer(
                    () -> store.appendChunk(ref, worker, Mono.just(script.name() + " part " + n / 30 + " ready\n"))));
        }
        return writes;
    }

    private static String row(Script script, int n) {
        String clock = DIM + String.format("%03d", n) + RESET + " ";
        if (!script.succeeds() && n == script.steps()) {
            return clock + RED + BOLD + "ERROR" + RESET + " " + RED + "2 of 84 tests failed" + RESET;
        }
        if (n % 17 == 0) {
            return clock + YELLOW + "WARN " + RESET + " step " + n + " took longer than expected (" + (n % 5 + 1)
                    + " s)";
        }
        return clock + GREEN + "INFO " + RESET + " " + script.name() + " step " + n + "/" + script.steps() + " " + DIM
                + "[" + "#".repeat(n * 20 / script.steps()) + " ".repeat(20 - n * 20 / script.steps()) + "]" + RESET;
    }

    private Mono<Void> finish(Script script, JobRef ref, Credential worker) {
        if (script.succeeds()) {
            return store.appendLog(ref, worker, Mono.just(BOLD + GREEN + "✔ done" + RESET))
                    .then(Mono.defer(() -> store.complete(
                            ref,
                            worker,
                            Mono.just(new JobWrites.Completion(
                                    true,
                                    "{\"artifact\":\"" + script.name() + ".tar.gz\",\"steps\":" + script.steps()
                                            + "}")))));
        }
        return store.complete(
                ref,
                worker,
                Mono.just(new JobWrites.Completion(
                        false, "{\"error\":{\"name\":\"TestFailure\",\"message\":\"2 of 84 tests failed\"}}")));
    }

    /**
     * @param delay     how long the job stays queued before it starts
     * @param succeeds  whether it ends in success or failure
     */
    private record Script(String id, String name, int steps, Duration delay, boolean succeeds) {}
}
