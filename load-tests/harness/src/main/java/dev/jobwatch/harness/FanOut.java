package dev.jobwatch.harness;

import java.io.IOException;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Fan-out: per step W watchers on one job, a writer at R rows/s for S seconds, each row {@code ts=<epoch
 * micros>}; deliveries (rows that reach a watcher) per second, write-to-watcher latency, Redis commands per
 * write (INFO commandstats after CONFIG RESETSTAT) and server CPU seconds per million deliveries
 * (/proc/pid/stat utime+stime).
 */
final class FanOut implements Scenario {

    private final Bench bench;
    private final long[] steps;
    private final int rate;
    private final int seconds;
    private final int warmup;

    FanOut(Bench bench) {
        this.bench = bench;
        this.steps = bench.options().steps("fanout-steps", "1 100 1000 10000");
        this.rate = bench.options().integer("fanout-rate", 100);
        this.seconds = bench.options().integer("fanout-seconds", 20);
        this.warmup = bench.options().integer("fanout-warmup-seconds", 3);
    }

    @Override
    public void run() throws IOException {
        if (steps.length == 0) {
            return;
        }
        Results results = bench.results();
        results.put("fanout.rate", rate);
        results.put("fanout.seconds", seconds);
        StringBuilder done = new StringBuilder();
        for (long w : steps) {
            if (step(w)) {
                done.append(done.length() > 0 ? " " : "").append(w);
                results.put("fanout.steps", done);
                results.save();
            }
        }
    }

    /** One step; false when its writer did not finish in time. */
    private boolean step(long w) throws IOException {
        Api api = bench.api();
        SseClient sse = bench.sse();
        Results results = bench.results();
        Deliveries deliveries = sse.deliveries();
        String id = "fan-" + w + "-" + System.nanoTime();
        String token = api.addJobs(List.of(id)).get(0);
        long t0 = System.nanoTime();
        List<SseStream> streams = sse.open(List.of(api.watchUri(id)), (int) w, 0);
        int held = sse.open();
        bench.log()
                .line(
                        "fanout %d: %d streams open in %.1fs (failed %d)",
                        w, held, (System.nanoTime() - t0) / 1e9, sse.failed());
        Time.sleep(1000);
        api.writeFor(id, token, rate, warmup);
        Time.sleep(500);
        deliveries.latencySinceLast();
        long rows0 = deliveries.rows();
        long events0 = deliveries.events();
        Profile profile = Profile.start(bench, "fanout." + w + ".");
        bench.redis().resetStats();
        Processes server = bench.server().processes();
        Usage usage0 = bench.usage(server);
        long start = System.nanoTime();
        Api.Writes writes;
        try {
            writes = api.writeFor(id, token, rate, seconds);
        } catch (RuntimeException e) {
            results.put("fanout." + w + ".error", String.valueOf(e));
            results.save();
            bench.log().line("fanout %d: the writer did not finish in time (%s); step skipped", w, e);
            profile.stop();
            sse.closeAll(streams);
            return false;
        }
        double writing = (System.nanoTime() - start) / 1e9;
        Time.sleep(1000); // the last rows' deliveries
        double elapsed = (System.nanoTime() - start) / 1e9;
        Usage used = bench.usage(server).since(usage0);
        profile.stop();
        Redis.CommandStats redis = bench.redis().commandStats();
        Histogram h = deliveries.latencySinceLast();
        long delivered = deliveries.rows() - rows0;
        long events = deliveries.events() - events0;
        long expected = writes.ok() * held;
        double perWrite = writes.ok() > 0 ? redis.calls() / (double) writes.ok() : 0;
        String k = "fanout." + w + ".";
        results.put(k + "held", held);
        results.put(k + "writes", writes.ok());
        results.put(k + "write_errors", writes.errors());
        results.put(k + "delivered", delivered);
        results.put(k + "expected", expected);
        results.put(k + "events", events);
        results.put(k + "deliveries_per_s", "%.0f", delivered / writing);
        results.put(k + "events_per_s", "%.0f", events / writing);
        results.put(k + "p50_ms", Time.ms(h.getValueAtPercentile(50)));
        results.put(k + "p99_ms", Time.ms(h.getValueAtPercentile(99)));
        results.put(k + "p999_ms", Time.ms(h.getValueAtPercentile(99.9)));
        results.put(k + "max_ms", Time.ms(h.getMaxValue()));
        results.put(k + "redis_calls", redis.calls());
        results.put(k + "redis_calls_per_write", "%.2f", perWrite);
        results.put(k + "redis_by_command", redis.byCommand());
        results.put(k + "server_cpu_s", "%.2f", used.serverSeconds());
        results.put(k + "server_sys_cpu_s", "%.2f", used.serverKernelSeconds());
        results.put(k + "redis_cpu_s", "%.2f", used.redisSeconds());
        results.put(k + "client_cpu_s", "%.2f", used.clientSeconds());
        results.putRatio(k + "server_cpu_s_per_million", "%.2f", used.serverSeconds() * 1e6, delivered);
        results.putRatio(k + "redis_cpu_s_per_million", "%.2f", used.redisSeconds() * 1e6, delivered);
        results.putRatio(k + "deliveries_per_cpu_s", "%.0f", delivered, used.serverSeconds());
        results.put(k + "elapsed_s", "%.1f", elapsed);
        results.put(k + "server_rss_kb", server.rssKb());
        bench.log()
                .line(
                        "fanout %d: %d writes (%d errors), %d/%d rows delivered (%.0f/s, %d events), latency p50 %s p99 %s p99.9 %s max %s ms; "
                                + "redis %d calls, %.2f/write [%s]; server CPU %.2fs (%.2fs in the kernel; %s s per 1M), redis CPU %.2fs, client CPU %.2fs",
                        w,
                        writes.ok(),
                        writes.errors(),
                        delivered,
                        expected,
                        delivered / writing,
                        events,
                        results.get(k + "p50_ms"),
                        results.get(k + "p99_ms"),
                        results.get(k + "p999_ms"),
                        results.get(k + "max_ms"),
                        redis.calls(),
                        perWrite,
                        redis.byCommand(),
                        used.serverSeconds(),
                        used.serverKernelSeconds(),
                        results.get(k + "server_cpu_s_per_million"),
                        used.redisSeconds(),
                        used.clientSeconds());
        sse.closeAll(streams);
        sse.resetFailed();
        return true;
    }
}
