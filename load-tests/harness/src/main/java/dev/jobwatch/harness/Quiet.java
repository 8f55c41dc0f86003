package dev.jobwatch.harness;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Quiet jobs, where a large deployment's watchers mostly are: many jobs, each with one watcher, each written
 * once at the start and then {@code --quiet-per-minute} times a minute (0: never again), the writes spread
 * evenly over the window. The figures are the server's CPU-seconds and Redis's commands per minute of it: what
 * holding many watched jobs costs when little happens (pings, timers, the rare row), for both servers.
 */
final class Quiet implements Scenario {

    private final Bench bench;
    private final WriteLoad load;
    private final int jobs;
    private final int seconds;
    private final int perMinute;

    Quiet(Bench bench) {
        this.bench = bench;
        this.load = new WriteLoad(bench);
        this.jobs = bench.options().integer("quiet-jobs", 18000);
        this.seconds = bench.options().integer("quiet-seconds", 60);
        this.perMinute = bench.options().integer("quiet-per-minute", 1);
    }

    @Override
    public void run() throws IOException {
        if (jobs <= 0 || seconds <= 0) {
            return;
        }
        String k = "quiet.";
        WriteLoad.Jobs set = load.prepare(k, jobs, true);
        if (set == null) {
            bench.results().save();
            return;
        }
        Api api = bench.api();
        AtomicLongArray seq = new AtomicLongArray(jobs);
        LongAdder errors = new LongAdder();
        // Once at the start, as a job's first row; not measured.
        Flux.range(0, jobs).flatMap(i -> write(api, set, seq, errors, i), 64).blockLast(Duration.ofMinutes(5));
        Time.sleep(2000);
        Deliveries deliveries = bench.sse().deliveries();
        deliveries.latencySinceLast();
        long rows0 = deliveries.rows();
        bench.redis().resetStats();
        Processes server = bench.server().processes();
        Usage usage0 = bench.usage(server);
        long writes = (long) jobs * perMinute * seconds / 60;
        long start = System.nanoTime();
        if (writes > 0) {
            long period = TimeUnit.SECONDS.toNanos(seconds) / writes;
            Flux.interval(Duration.ofNanos(Math.max(1000, period)))
                    .take(writes)
                    .onBackpressureDrop()
                    .flatMap(i -> write(api, set, seq, errors, (int) (i % jobs)), 256)
                    .blockLast(Duration.ofSeconds(seconds + 60L));
        }
        long left = TimeUnit.SECONDS.toNanos(seconds) - (System.nanoTime() - start);
        if (left > 0) {
            Time.sleep(TimeUnit.NANOSECONDS.toMillis(left));
        }
        double window = (System.nanoTime() - start) / 1e9;
        long expected = 0;
        for (int i = 0; i < jobs; i++) {
            expected += seq.get(i);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && deliveries.rows() - rows0 < expected - jobs) {
            Time.sleep(100);
        }
        Usage used = bench.usage(server).since(usage0);
        Redis.CommandStats redis = bench.redis().commandStats();
        long lost = 0;
        long disorder = 0;
        for (SseStream stream : set.streams()) {
            long sent = seq.get(stream.target());
            lost += Math.max(0, sent - stream.numbered());
            disorder += stream.outOfOrder() + Math.max(0, stream.numbered() - sent);
        }
        Results results = bench.results();
        double minutes = window / 60;
        results.put(k + "jobs", jobs);
        results.put(k + "watchers", set.streams().size());
        results.put(k + "per_minute", perMinute);
        results.put(k + "seconds", "%.1f", window);
        results.put(k + "written", expected - jobs);
        results.put(k + "write_errors", errors.sum());
        results.put(k + "delivered", deliveries.rows() - rows0);
        results.put(k + "lost", lost);
        results.put(k + "out_of_order", disorder);
        results.put(k + "server_cpu_s", "%.2f", used.serverSeconds());
        results.put(k + "server_sys_cpu_s", "%.2f", used.serverKernelSeconds());
        results.put(k + "server_cpu_s_per_min", "%.2f", used.serverSeconds() / minutes);
        results.put(k + "redis_calls_per_min", "%.0f", redis.calls() / minutes);
        results.put(k + "redis_by_command", redis.byCommand());
        results.put(k + "redis_cpu_s_per_min", "%.2f", used.redisSeconds() / minutes);
        results.put(k + "client_cpu_s_per_min", "%.2f", used.clientSeconds() / minutes);
        results.put(k + "server_rss_kb", server.rssKb());
        results.save();
        bench.log()
                .line(
                        "quiet: %d jobs watched, %d rows in %.0fs (%d errors), delivered %d, lost %d, out of order %d; "
                                + "server %.2f CPU-s/min (%.2fs kernel in all), redis %s calls/min [%s], %.2f CPU-s/min; client %.2f CPU-s/min",
                        jobs,
                        expected - jobs,
                        window,
                        errors.sum(),
                        deliveries.rows() - rows0,
                        lost,
                        disorder,
                        used.serverSeconds() / minutes,
                        used.serverKernelSeconds(),
                        results.get(k + "redis_calls_per_min"),
                        redis.byCommand(),
                        used.redisSeconds() / minutes,
                        used.clientSeconds() / minutes);
        bench.sse().closeAll(set.streams());
        bench.sse().resetFailed();
    }

    private static Mono<Void> write(Api api, WriteLoad.Jobs set, AtomicLongArray seq, LongAdder errors, int job) {
        return api.write(
                        set.ids().get(job),
                        set.tokens().get(job),
                        "ts=" + Time.epochMicros() + "." + seq.get(job) + " row")
                .doOnNext(code -> {
                    if (Api.written(code)) {
                        seq.incrementAndGet(job);
                    } else {
                        errors.increment();
                    }
                })
                .onErrorResume(e -> {
                    errors.increment();
                    return Mono.empty();
                })
                .then();
    }
}
