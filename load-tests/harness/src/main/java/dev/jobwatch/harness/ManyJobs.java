package dev.jobwatch.harness;

import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The common case, where most jobs live: many jobs with one watcher each, and writes that nobody watches.
 *
 * <p>A fixed number of writer connections write as fast as they go, each one request at a time over its own
 * share of the jobs, so that the rows of one job are written in order and numbered {@code ts=<micros>.<n>};
 * each watcher checks that it hears every row of its job once, in order. The figure is rows written per
 * second and rows per server CPU-second, after warm-up under the same load.
 */
final class ManyJobs {

    private final Harness h;

    ManyJobs(Harness harness) {
        this.h = harness;
    }

    /** Jobs with one watcher each, one step per count of jobs. */
    void manyJobs() throws IOException {
        Harness.put("scenario.warmup", Harness.opt("scenario-warmup-seconds", "25") + " s");
        long[] steps = Harness.longs("many-steps", "1000 10000");
        if (steps.length == 0 || steps[0] <= 0) {
            return;
        }
        StringBuilder done = new StringBuilder();
        for (long jobs : steps) {
            if (measure("many." + jobs + ".", (int) jobs, true)) {
                done.append(done.length() > 0 ? " " : "").append(jobs);
                Harness.put("many.steps", done);
                h.save();
            }
        }
    }

    /** Writes with nobody watching: the worker API alone. */
    void unwatched() throws IOException {
        int jobs = Integer.parseInt(Harness.opt("unwatched-jobs", "100"));
        if (jobs <= 0) {
            return;
        }
        if (measure("unwatched.", jobs, false)) {
            Harness.put("unwatched.jobs", jobs);
            h.save();
        }
    }

    private boolean measure(String k, int jobs, boolean watched) throws IOException {
        int connections = Integer.parseInt(Harness.opt("writers", "16"));
        int warmup = Integer.parseInt(Harness.opt("scenario-warmup-seconds", "25"));
        int seconds = Integer.parseInt(Harness.opt("many-seconds", "20"));
        String prefix = k.replace('.', '-') + Long.toHexString(System.nanoTime());
        List<String> ids = new ArrayList<>(jobs);
        for (int i = 0; i < jobs; i++) {
            ids.add(prefix + i);
        }
        List<String> tokens = h.addJobs(ids);
        List<Harness.Watch> watches = new ArrayList<>();
        if (watched) {
            long t0 = System.nanoTime();
            watches = h.openWatches(ids, jobs, 0);
            Harness.log("%s %d jobs, %d streams open in %.1fs (failed %d)", k, jobs, h.open.get(),
                    (System.nanoTime() - t0) / 1e9, h.failed.get());
            if (h.open.get() < jobs) {
                Harness.put(k + "error", "only " + h.open.get() + " of " + jobs + " streams opened");
                h.closeAll(watches);
                h.failed.set(0);
                return false;
            }
        }
        Writers writers = new Writers(ids, tokens, connections);
        writers.run(warmup);
        Harness.sleep(500);
        h.latency.getIntervalHistogram();
        long rows0 = h.rows.sum();
        h.redis.call("CONFIG", "RESETSTAT");
        List<Long> pids = h.pids();
        long cpu0 = Harness.cpuTicks(pids);
        long sys0 = Harness.cpuTicks(pids, false);
        long rcpu0 = Harness.cpuTicks(List.of(h.redisPid));
        long ccpu0 = Harness.cpuTicks(List.of(ProcessHandle.current().pid()));
        long written0 = writers.written.sum();
        long start = System.nanoTime();
        writers.run(seconds);
        double writing = (System.nanoTime() - start) / 1e9;
        long written = writers.written.sum() - written0;
        // The last rows' deliveries, bounded: a watcher that never hears its rows shows up as lost below.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (watched && System.nanoTime() < deadline && h.rows.sum() - rows0 < written) {
            Harness.sleep(100);
        }
        long cpu = Harness.cpuTicks(pids) - cpu0;
        long sys = Harness.cpuTicks(pids, false) - sys0;
        long rcpu = Harness.cpuTicks(List.of(h.redisPid)) - rcpu0;
        long ccpu = Harness.cpuTicks(List.of(ProcessHandle.current().pid())) - ccpu0;
        Histogram latency = h.latency.getIntervalHistogram();
        long delivered = h.rows.sum() - rows0;
        long calls = 0;
        Matcher m = Pattern.compile("cmdstat_([^:]+):calls=(\\d+)").matcher(h.redis.call("INFO", "commandstats"));
        while (m.find()) {
            if (!m.group(1).equals("info") && !m.group(1).startsWith("config")) {
                calls += Long.parseLong(m.group(2));
            }
        }
        long lost = 0;
        long disorder = 0;
        for (int i = 0; i < watches.size(); i++) {
            Harness.Watch w = watches.get(i);
            lost += Math.max(0, writers.seq.get(i) - w.sequenced);
            disorder += w.disorder + Math.max(0, w.sequenced - writers.seq.get(i));
        }
        double cpuSeconds = cpu / 100.0;
        Harness.put(k + "jobs", jobs);
        Harness.put(k + "watchers", watches.size());
        Harness.put(k + "writers", connections);
        Harness.put(k + "seconds", String.format(Locale.ROOT, "%.1f", writing));
        Harness.put(k + "written", written);
        Harness.put(k + "write_errors", writers.errors.sum());
        if (writers.firstError.get() != null) {
            Harness.put(k + "first_write_error", writers.firstError.get());
        }
        Harness.put(k + "rows_per_s", String.format(Locale.ROOT, "%.0f", written / writing));
        Harness.put(k + "server_cpu_s", String.format(Locale.ROOT, "%.2f", cpuSeconds));
        Harness.put(k + "server_sys_cpu_s", String.format(Locale.ROOT, "%.2f", sys / 100.0));
        Harness.put(k + "server_user_cpu_s", String.format(Locale.ROOT, "%.2f", (cpu - sys) / 100.0));
        Harness.put(k + "rows_per_cpu_s", cpu > 0 ? String.format(Locale.ROOT, "%.0f", written / cpuSeconds) : "n/a");
        Harness.put(k + "server_us_per_row", written > 0 ? String.format(Locale.ROOT, "%.1f", cpuSeconds / written * 1e6) : "n/a");
        Harness.put(k + "redis_cpu_s", String.format(Locale.ROOT, "%.2f", rcpu / 100.0));
        Harness.put(k + "redis_us_per_row", written > 0 ? String.format(Locale.ROOT, "%.1f", rcpu / 100.0 / written * 1e6) : "n/a");
        Harness.put(k + "redis_calls_per_row", String.format(Locale.ROOT, "%.2f", written > 0 ? calls / (double) written : 0));
        Harness.put(k + "client_cpu_s", String.format(Locale.ROOT, "%.2f", ccpu / 100.0));
        if (watched) {
            Harness.put(k + "delivered", delivered);
            Harness.put(k + "lost", lost);
            Harness.put(k + "out_of_order", disorder);
            Harness.put(k + "p50_ms", Harness.ms(latency.getValueAtPercentile(50)));
            Harness.put(k + "p99_ms", Harness.ms(latency.getValueAtPercentile(99)));
        }
        Harness.log("%s %d jobs, %d watchers, %d writers: %d rows in %.1fs (%.0f/s, %d errors), server CPU %.2fs "
                        + "(%.2fs kernel), %s rows per CPU-s, %s us per row; redis %.2fs CPU, %.2f calls/row; "
                        + "client CPU %.2fs; delivered %d, lost %d, out of order %d, p50 %s p99 %s ms",
                k, jobs, watches.size(), connections, written, writing, written / writing, writers.errors.sum(), cpuSeconds,
                sys / 100.0, Harness.out.getProperty(k + "rows_per_cpu_s"), Harness.out.getProperty(k + "server_us_per_row"),
                rcpu / 100.0, written > 0 ? calls / (double) written : 0, ccpu / 100.0, delivered, lost, disorder,
                Harness.ms(latency.getValueAtPercentile(50)), Harness.ms(latency.getValueAtPercentile(99)));
        h.closeAll(watches);
        writers.close();
        h.failed.set(0);
        return true;
    }

    /** The writer connections: connection c writes, one request at a time, to jobs c, c + n, c + 2n, ... */
    private final class Writers {
        final List<String> ids;
        final List<String> tokens;
        final int connections;
        final AtomicLongArray seq;
        final LongAdder written = new LongAdder();
        final LongAdder errors = new LongAdder();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final ConnectionProvider pool;
        final HttpClient client;

        Writers(List<String> ids, List<String> tokens, int connections) {
            this.ids = ids;
            this.tokens = tokens;
            this.connections = connections;
            this.seq = new AtomicLongArray(ids.size());
            this.pool = ConnectionProvider.builder("writers").maxConnections(connections).pendingAcquireMaxCount(-1).build();
            this.client = HttpClient.create(pool).runOn(h.loops);
        }

        void run(int seconds) {
            AtomicBoolean stop = new AtomicBoolean();
            var timer = Schedulers.parallel().schedule(() -> stop.set(true), seconds, TimeUnit.SECONDS);
            Flux.range(0, connections)
                    .flatMap(c -> Flux.<Integer, Integer>generate(() -> c, (job, sink) -> {
                                sink.next(job);
                                int next = job + connections;
                                return next >= ids.size() ? c : next;
                            })
                            .takeWhile(job -> !stop.get())
                            .concatMap(this::write, 1), connections)
                    .blockLast(Duration.ofSeconds(seconds + 60L));
            timer.dispose();
        }

        Mono<Void> write(int job) {
            long n = seq.get(job);
            String row = "ts=" + Harness.epochMicros() + "." + n + " row";
            HttpClient c = h.nchan ? client.headers(x -> x.set("Content-Type", "text/plain"))
                    : client.headers(x -> x.set("Authorization", "Bearer " + tokens.get(job)).set("Content-Type", "text/plain"));
            String uri = h.nchan ? h.base + "/pub/" + ids.get(job) : h.base + "/queues/" + h.ns + "/jobs/" + ids.get(job) + "/logs";
            return c.post().uri(uri).send(Mono.just(Unpooled.wrappedBuffer(row.getBytes(StandardCharsets.UTF_8))))
                    .responseSingle((r, b) -> b.then(Mono.just(r.status().code())))
                    .doOnNext(code -> {
                        if (code == 200 || code == 201 || code == 202) {
                            seq.incrementAndGet(job);
                            written.increment();
                        } else {
                            errors.increment();
                            firstError.compareAndSet(null, "status " + code);
                        }
                    })
                    .onErrorResume(e -> {
                        errors.increment();
                        firstError.compareAndSet(null, e.toString());
                        return Mono.empty();
                    })
                    .then();
        }

        void close() {
            pool.dispose();
        }
    }
}
