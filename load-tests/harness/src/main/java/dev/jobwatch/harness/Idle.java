package dev.jobwatch.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Idle watchers: step up to N open SSE streams on jobs that do not change; per step the server's VmRSS after a
 * GC (jcmd GC.run for a JVM), minus the baseline, over the watchers. With {@code --histogram=true} it also
 * writes the JVM's heap by class at the baseline and at each step.
 */
final class Idle implements Scenario {

    private final Bench bench;
    private final long[] steps;
    private final int jobs;
    private final boolean histogram;
    private final long histogramLines;

    Idle(Bench bench) {
        this.bench = bench;
        this.steps = bench.options().steps("idle-steps", "1000 5000 10000");
        this.jobs = bench.options().integer("idle-jobs", 1000);
        this.histogram = bench.options().flag("histogram") && !bench.nchan();
        this.histogramLines = bench.options().number("histogram-lines", 60);
    }

    @Override
    public void run() throws IOException {
        if (steps.length == 0) {
            return;
        }
        Results results = bench.results();
        SseClient sse = bench.sse();
        Server server = bench.server();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            ids.add("idle-" + i);
        }
        bench.api().addJobs(ids);
        List<String> uris = bench.api().watchUris(ids);
        results.put("idle.jobs", jobs);
        // warm the paths once, then the baseline
        sse.closeAll(sse.open(uris, Math.min(jobs, 100), 0));
        long heap0 = server.gc();
        long rss0 = server.processes().rssKb();
        results.put("idle.baseline.rss_kb", rss0);
        results.put("idle.baseline.heap_kb", heap0);
        histogram(0);
        bench.log().line("idle: baseline RSS %d KB, heap used %d KB, %d jobs", rss0, heap0, jobs);
        List<SseStream> all = new ArrayList<>();
        StringBuilder done = new StringBuilder();
        for (long step : steps) {
            int more = (int) (step - all.size());
            long t0 = System.nanoTime();
            all.addAll(sse.open(uris, more, all.size()));
            double took = (System.nanoTime() - t0) / 1e9;
            Time.sleep(3000);
            int held = sse.open();
            long heap = server.gc();
            Processes processes = server.processes();
            long rss = processes.rssKb();
            long fds = processes.fds();
            double perWatcher = held > 0 ? (rss - rss0) / (double) held : 0;
            double heapPer = heap > 0 && held > 0 ? (heap - heap0) / (double) held : -1;
            String k = "idle." + step + ".";
            results.put(k + "held", held);
            results.put(k + "failed", sse.failed());
            results.put(k + "rss_kb", rss);
            results.put(k + "heap_kb", heap);
            results.put(k + "fds", fds);
            results.put(k + "open_seconds", "%.1f", took);
            results.put(k + "rss_per_watcher_kb", "%.2f", perWatcher);
            results.put(k + "heap_per_watcher_kb", "%.2f", heapPer);
            if (!bench.nchan()) {
                results.put(k + "server_streams_open", bench.api().metric("jobwatch_streams_open"));
            }
            histogram(step);
            done.append(done.length() > 0 ? " " : "").append(step);
            results.put("idle.steps", done);
            results.save();
            bench.log()
                    .line(
                            "idle %d: held %d (failed %d) in %.1fs, RSS %d KB (+%d), %.2f KB/watcher, heap %.2f KB/watcher, fds %d",
                            step, held, sse.failed(), took, rss, rss - rss0, perWatcher, heapPer, fds);
            if (held < step * 0.98) {
                bench.log().line("idle: only %d of %d held, stopping the steps", held, step);
                break;
            }
        }
        sse.closeAll(all);
        sse.resetFailed();
    }

    /** The server's heap by class after the step, to see what each stream holds. */
    private void histogram(long step) throws IOException {
        if (histogram && bench.server().pid() > 0) {
            Files.write(
                    bench.results().dir().resolve(bench.target() + "-histogram-" + step + ".txt"),
                    bench.server().histogram(histogramLines));
        }
    }
}
