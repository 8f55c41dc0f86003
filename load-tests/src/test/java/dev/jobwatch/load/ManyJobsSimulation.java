package dev.jobwatch.load;

import java.time.Duration;

/**
 * Many jobs: {@code -Djobs} jobs (default 20) with {@code -Dwatchers} watchers each (default 5), one writer
 * per job posting {@code -Drate} rows per second (default 5) for {@code -Dduration} (default 5s). Each
 * row names its job, so an update that reached the wrong job's watchers fails as surely as a lost or
 * repeated row. The same checks per watcher and per job as {@link FanOutSimulation}.
 */
public class ManyJobsSimulation extends WatchRunSimulation {

    public ManyJobsSimulation() {
        super(new WatchRun("manyjobs", 20, 5, 5, Duration.ofSeconds(5), 0));
    }
}
