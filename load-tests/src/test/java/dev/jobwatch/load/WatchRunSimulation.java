package dev.jobwatch.load;

import io.gatling.javaapi.core.Simulation;

/** What the watch simulations share: their run sets them up, prepares the jobs, and checks at the end. */
abstract class WatchRunSimulation extends Simulation {

    private final WatchRun run;

    WatchRunSimulation(WatchRun run) {
        this.run = run;
        setUp(run.populations()).assertions(run.assertions());
    }

    @Override
    public void before() {
        run.before(getClass().getSimpleName());
    }

    @Override
    public void after() {
        run.after(getClass().getSimpleName());
    }
}
