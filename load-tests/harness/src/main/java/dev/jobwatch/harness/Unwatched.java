package dev.jobwatch.harness;

import java.io.IOException;

/** Writes with nobody watching, the worker API alone: jobs written as fast as {@link WriteLoad}'s connections go. */
final class Unwatched implements Scenario {

    private final Bench bench;
    private final WriteLoad load;
    private final int jobs;

    Unwatched(Bench bench) {
        this.bench = bench;
        this.load = new WriteLoad(bench);
        this.jobs = bench.options().integer("unwatched-jobs", 100);
    }

    @Override
    public void run() throws IOException {
        if (jobs > 0 && load.measure("unwatched.", jobs, false)) {
            bench.results().put("unwatched.jobs", jobs);
            bench.results().save();
        }
    }
}
