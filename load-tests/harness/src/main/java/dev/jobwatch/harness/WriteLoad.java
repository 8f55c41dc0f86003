package dev.jobwatch.harness;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The measurement behind {@link ManyJobs} and {@link Unwatched}: jobs written as fast as {@link Wrk}'s
 * connections go, each one request at a time over its own share of the jobs, so that the rows of one job are
 * written in order and numbered {@code ts=<micros>.<n>}; with one watcher per job, each checks that it hears
 * every row of its job once, in order. The figure is rows written per second and rows per server CPU-second
 * over a measured window that follows a warm-up under the same load, with the clients' CPU beside it (wrk's,
 * and the harness's, which reads the watchers) to show that they are not what limits the rate.
 */
final class WriteLoad {

    private final Bench bench;
    private final Wrk wrk;
    private final int warmup;
    private final int seconds;

    WriteLoad(Bench bench) {
        this.bench = bench;
        this.wrk = Wrk.of(bench.options(), bench.results().dir());
        this.warmup = bench.options().integer("scenario-warmup-seconds", 25);
        this.seconds = bench.options().integer("many-seconds", 20);
    }

    int warmupSeconds() {
        return warmup;
    }

    /** Jobs (or channels) ready to be written, and their watchers when there are. */
    record Jobs(List<String> ids, List<String> paths, List<String> tokens, List<SseStream> streams) {}

    /** Adds that many jobs and opens one watcher each when watched; null when the streams did not all open. */
    Jobs prepare(String k, int jobs, boolean watched) {
        SseClient sse = bench.sse();
        Api api = bench.api();
        String prefix = k.replace('.', '-') + Long.toHexString(System.nanoTime());
        List<String> ids = new ArrayList<>(jobs);
        for (int i = 0; i < jobs; i++) {
            ids.add(prefix + i);
        }
        List<String> tokens = api.addJobs(ids).stream().map(api::writeToken).toList();
        List<SseStream> streams = new ArrayList<>();
        if (watched) {
            long t0 = System.nanoTime();
            streams = sse.open(api.watchUris(ids), jobs, 0);
            bench.log()
                    .line(
                            "%s %d jobs, %d streams open in %.1fs (failed %d)",
                            k, jobs, sse.open(), (System.nanoTime() - t0) / 1e9, sse.failed());
            if (sse.open() < jobs) {
                bench.results().put(k + "error", "only " + sse.open() + " of " + jobs + " streams opened");
                sse.closeAll(streams);
                sse.resetFailed();
                return null;
            }
        }
        return new Jobs(ids, ids.stream().map(api::writePath).toList(), tokens, streams);
    }

    /** Measures one scenario, its figures under the key prefix {@code k}; false when its streams did not all open. */
    boolean measure(String k, int jobs, boolean watched) throws IOException {
        Jobs set = prepare(k, jobs, watched);
        if (set == null) {
            return false;
        }
        String base = bench.api().base();
        Wrk.Run warm = wrk.run(base, set.paths(), set.tokens(), new long[jobs], warmup);
        bench.log()
                .line(
                        "%s warm-up: %d rows in %.1fs (%.0f/s), %d failed",
                        k, warm.ok(), warm.seconds(), warm.rowsPerSecond(), warm.failed());
        Time.sleep(1000);
        long[] next = continueFrom(warm, set);
        Profile profile = Profile.start(bench, k);
        Window window = window(() -> wrk.run(base, set.paths(), set.tokens(), next, seconds), set, watched);
        profile.stop();
        put(k, jobs, set.streams().size(), window);
        bench.sse().closeAll(set.streams());
        bench.sse().resetFailed();
        return true;
    }

    /**
     * Where each job's rows go on after a wrk run: its next number, or for a job whose last row wrk sent and never
     * saw answered, what its watcher heard (the row was written or not), and one more without a watcher.
     */
    private static long[] continueFrom(Wrk.Run run, Jobs set) {
        long[] next = run.next().clone();
        for (int j = 0; j < next.length; j++) {
            if (run.pending()[j]) {
                next[j]++;
            }
        }
        for (SseStream stream : set.streams()) {
            int j = stream.target();
            if (run.pending()[j]) {
                next[j] = Math.max(run.next()[j], stream.numbered());
            }
        }
        return next;
    }

    /** A wrk run the window measures. */
    interface WrkRun {
        Wrk.Run run() throws IOException;
    }

    /** What the server, Redis and the clients did over one measured wrk run, and what the watchers heard. */
    record Window(
            Wrk.Run wrk,
            Usage used,
            Redis.CommandStats redis,
            long delivered,
            long lost,
            long disorder,
            long unanswered,
            Histogram latency) {}

    /** Runs one wrk run as the measured window, then waits (bounded) for its last rows' deliveries. */
    Window window(WrkRun run, Jobs set, boolean watched) throws IOException {
        Deliveries deliveries = bench.sse().deliveries();
        deliveries.latencySinceLast();
        long rows0 = deliveries.rows();
        bench.redis().resetStats();
        Processes server = bench.server().processes();
        Usage usage0 = bench.usage(server);
        Wrk.Run w = run.run();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (watched && System.nanoTime() < deadline && deliveries.rows() - rows0 < w.ok()) {
            Time.sleep(100);
        }
        Usage used = bench.usage(server).since(usage0);
        Redis.CommandStats redis = bench.redis().commandStats();
        long lost = 0;
        long disorder = 0;
        long unanswered = 0;
        for (SseStream stream : set.streams()) {
            long sent = w.next()[stream.target()];
            if (w.pending()[stream.target()] && stream.numbered() == sent + 1) {
                unanswered++;
                sent++;
            }
            lost += Math.max(0, sent - stream.numbered());
            disorder += stream.outOfOrder() + Math.max(0, stream.numbered() - sent);
        }
        return new Window(
                w, used, redis, deliveries.rows() - rows0, lost, disorder, unanswered, deliveries.latencySinceLast());
    }

    /** One window's figures under the key prefix {@code k}, and its log line. */
    void put(String k, int jobs, int watchers, Window window) {
        Results results = bench.results();
        Wrk.Run w = window.wrk();
        Usage used = window.used();
        long written = w.ok();
        double cpuSeconds = used.serverSeconds();
        results.put(k + "jobs", jobs);
        results.put(k + "watchers", watchers);
        results.put(k + "writers", Math.min(wrk.threads(), jobs));
        results.put(k + "seconds", "%.1f", w.seconds());
        results.put(k + "written", written);
        results.put(k + "write_errors", w.failed() + w.socketErrors());
        if (!w.firstError().isEmpty()) {
            results.put(k + "first_write_error", w.firstError());
        }
        results.put(k + "rows_per_s", "%.0f", w.rowsPerSecond());
        results.put(k + "server_cpu_s", "%.2f", cpuSeconds);
        results.put(k + "server_sys_cpu_s", "%.2f", used.serverKernelSeconds());
        results.put(k + "server_user_cpu_s", "%.2f", used.serverUserSeconds());
        results.put(k + "server_cpu_share", "%.2f", w.seconds() > 0 ? cpuSeconds / w.seconds() : 0);
        results.putRatio(k + "rows_per_cpu_s", "%.0f", written, cpuSeconds);
        results.putRatio(k + "server_us_per_row", "%.1f", cpuSeconds * 1e6, written);
        results.put(k + "redis_cpu_s", "%.2f", used.redisSeconds());
        results.putRatio(k + "redis_us_per_row", "%.1f", used.redisSeconds() * 1e6, written);
        results.put(
                k + "redis_calls_per_row", "%.2f", written > 0 ? window.redis().calls() / (double) written : 0);
        results.put(k + "wrk_cpu_s", "%.2f", w.cpuSeconds());
        results.put(k + "client_cpu_s", "%.2f", used.clientSeconds());
        results.put(k + "server_syscalls_per_row", "%.2f", written > 0 ? used.serverSyscalls() / (double) written : 0);
        if (watchers > 0) {
            results.put(k + "delivered", window.delivered());
            results.put(k + "lost", window.lost());
            results.put(k + "out_of_order", window.disorder());
            results.put(k + "unanswered", window.unanswered());
            results.put(k + "p50_ms", Time.ms(window.latency().getValueAtPercentile(50)));
            results.put(k + "p99_ms", Time.ms(window.latency().getValueAtPercentile(99)));
        }
        bench.log()
                .line(
                        "%s %d jobs, %d watchers: %d rows in %.1fs (%.0f/s, %d errors), server CPU %.2fs (%.2fs kernel, "
                                + "%s of a core), %s rows per CPU-s, %s us per row; redis %.2fs CPU, %s calls/row; "
                                + "wrk CPU %.2fs, watcher client CPU %.2fs; delivered %d (%d of them written as wrk stopped, unanswered), lost %d, out of order %d, p50 %s p99 %s ms",
                        k,
                        jobs,
                        watchers,
                        written,
                        w.seconds(),
                        w.rowsPerSecond(),
                        w.failed() + w.socketErrors(),
                        cpuSeconds,
                        used.serverKernelSeconds(),
                        results.get(k + "server_cpu_share"),
                        results.get(k + "rows_per_cpu_s"),
                        results.get(k + "server_us_per_row"),
                        used.redisSeconds(),
                        results.get(k + "redis_calls_per_row"),
                        w.cpuSeconds(),
                        used.clientSeconds(),
                        window.delivered(),
                        window.unanswered(),
                        window.lost(),
                        window.disorder(),
                        Time.ms(window.latency().getValueAtPercentile(50)),
                        Time.ms(window.latency().getValueAtPercentile(99)));
    }
}
