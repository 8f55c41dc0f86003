package dev.jobwatch.harness;

import java.io.IOException;

/**
 * The common case, where most jobs live: many jobs with one watcher each, one step per count of jobs, written as
 * fast as a fixed number of connections go ({@link WriteLoad}).
 */
final class ManyJobs implements Scenario {

    private final Bench bench;
    private final WriteLoad load;
    private final long[] steps;

    ManyJobs(Bench bench) {
        this.bench = bench;
        this.load = new WriteLoad(bench);
        this.steps = bench.options().steps("many-steps", "1000 10000");
    }

    @Override
    public void run() throws IOException {
        bench.results().put("scenario.warmup", load.warmupSeconds() + " s");
        StringBuilder done = new StringBuilder();
        for (long jobs : steps) {
            if (load.measure("many." + jobs + ".", (int) jobs, true)) {
                done.append(done.length() > 0 ? " " : "").append(jobs);
                bench.results().put("many.steps", done);
                bench.results().save();
            }
        }
    }
}
