package dev.jobwatch.harness;

import java.io.IOException;

/**
 * A fresh pod's first seconds: the server the harness just started (run mode {@code warm}, no warm-up), loaded
 * from the moment it answers ready with many jobs with one watcher each, written by {@link Wrk}, for
 * {@code --warm-seconds}; before any of its code is compiled, so rows per server CPU-second here is what a new
 * pod gives while it warms up. bench.sh runs it without and with a JDK AOT cache ({@code -XX:AOTCache}), and
 * against nchan in the same run. The time to ready and the CPU spent until then come from {@link Bench#open}.
 */
final class WarmStart implements Scenario {

    private final Bench bench;
    private final WriteLoad load;
    private final int jobs;
    private final int seconds;

    WarmStart(Bench bench) {
        this.bench = bench;
        this.load = new WriteLoad(bench);
        this.jobs = bench.options().integer("warm-jobs", 1000);
        this.seconds = bench.options().integer("warm-seconds", 30);
    }

    @Override
    public void run() throws IOException {
        Results results = bench.results();
        String k = "warm.";
        results.put(k + "variant", bench.options().get("variant", bench.target()));
        Processes server = bench.server().processes();
        Usage ready = bench.usage(server);
        long t0 = System.nanoTime();
        WriteLoad.Jobs set = load.prepare(k, jobs, true);
        if (set == null) {
            results.save();
            return;
        }
        results.put(k + "setup_s", "%.2f", (System.nanoTime() - t0) / 1e9);
        Wrk wrk = Wrk.of(bench.options(), results.dir());
        WriteLoad.Window window = load.window(
                () -> wrk.run(bench.api().base(), set.paths(), set.tokens(), new long[jobs], seconds), set, true);
        load.put(k, jobs, set.streams().size(), window);
        Usage sinceReady = bench.usage(server).since(ready);
        results.put(k + "server_cpu_s_since_ready", "%.2f", sinceReady.serverSeconds());
        results.putRatio(k + "rows_per_cpu_s_since_ready", "%.0f", window.wrk().ok(), sinceReady.serverSeconds());
        results.save();
        bench.sse().closeAll(set.streams());
    }
}
