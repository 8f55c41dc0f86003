package dev.jobwatch.harness;

import java.util.List;

/**
 * Load before any figure is taken: a fresh JVM spends its first half minute or so of load compiling its hot
 * paths (seen here: a route's CPU per request falls about fourfold over 30 s of load), and the first step
 * measured would pay for it. nginx has nothing to warm; it runs the same load.
 */
final class WarmUp implements Scenario {

    private final Bench bench;
    private final int seconds;
    private final int watchers;
    private final int rate;

    WarmUp(Bench bench) {
        this.bench = bench;
        this.seconds = bench.options().integer("warmup-seconds", 40);
        this.watchers = bench.options().integer("warmup-watchers", 200);
        this.rate = bench.options().integer("warmup-rate", 500);
    }

    @Override
    public void run() {
        if (seconds <= 0) {
            return;
        }
        Api api = bench.api();
        SseClient sse = bench.sse();
        String id = "warmup-" + System.nanoTime();
        String token = api.addJobs(List.of(id)).get(0);
        List<SseStream> streams = sse.open(List.of(api.watchUri(id)), watchers, 0);
        long t0 = System.nanoTime();
        int opened = streams.size();
        Api.Writes writes = api.writeFor(id, token, rate, seconds);
        sse.closeAll(streams);
        bench.results().put("server.warmup", seconds + " s, " + opened + " watchers, " + writes.ok() + " writes");
        bench.log()
                .line(
                        "warm-up: %d writes to %d watchers in %.1fs",
                        writes.ok(), opened, (System.nanoTime() - t0) / 1e9);
        sse.resetFailed();
    }
}
