package dev.jobwatch.load;

import java.time.Duration;

/**
 * Fan-out: {@code -Dwatchers} watchers (default 20) follow one job over {@code getupdate_sse} while a writer
 * posts {@code -Drate} log rows per second (default 10) for {@code -Dduration} (default 5s), then completes
 * the job. Every watcher must hear every row once, in order, and end with {@code completed: true} and
 * {@code log_offset} = the job's log length + 1. See {@link WatchRun} and {@link Watch} for the checks,
 * and load-tests/README.md for every property.
 */
public class FanOutSimulation extends WatchRunSimulation {

    public FanOutSimulation() {
        super(new WatchRun("fanout", 1, 20, 10, Duration.ofSeconds(5), 0));
    }
}
