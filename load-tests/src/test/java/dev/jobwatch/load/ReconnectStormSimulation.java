package dev.jobwatch.load;

import java.time.Duration;

/**
 * Reconnect storm: {@code -Dwatchers} watchers (default 50) on {@code -Djobs} job(s) (default 1) while the
 * server ends every stream with {@code timeout} after its lifetime; each watcher reconnects at once with
 * its offsets, as Windmill's client does ({@code -Dresume=query}: {@code running}, {@code log_offset},
 * {@code stream_offset} from the last update), or as a browser's EventSource does ({@code -Dresume=header}:
 * {@code Last-Event-ID}), or half and half ({@code -Dresume=mixed}). Since the server gives every stream
 * about the same lifetime, the watchers that connected together reconnect together.
 *
 * <p>Start the server with a short lifetime and tell the simulation what it is:
 * {@code JOBWATCH_WATCH_LIFETIME=5s JOBWATCH_WATCH_SPREAD=1s} and {@code -Dlifetime=5s -Dspread=1s}
 * ({@code -Dspread} defaults to the server's default, 6s). The writer writes for {@code -Dduration},
 * by default 2 x (lifetime + spread), and every watcher must hear at least
 * {@code -DminTimeouts} = duration / (lifetime + spread) timeouts (at least 1), end with the job's whole
 * log, each row once, and {@code log_offset} = its length + 1. A server still on the 60 s default
 * lifetime fails the run with a message that says so.
 */
public class ReconnectStormSimulation extends WatchRunSimulation {

    private static final Duration LIFETIME = Params.duration("lifetime", Duration.ofSeconds(5));
    private static final Duration SPREAD = Params.duration("spread", Duration.ofSeconds(6));
    private static final Duration LONGEST_STREAM = LIFETIME.plus(SPREAD);
    private static final Duration DURATION = Params.duration("duration", LONGEST_STREAM.multipliedBy(2));

    public ReconnectStormSimulation() {
        super(new WatchRun("storm", 1, 50, 20, DURATION, (int)
                Math.max(1, DURATION.toMillis() / Math.max(1, LONGEST_STREAM.toMillis()))));
    }

    @Override
    public void before() {
        System.out.printf(
                "%s: expects the server's JOBWATCH_WATCH_LIFETIME=%ss and JOBWATCH_WATCH_SPREAD=%ss"
                        + " (-Dlifetime, -Dspread)%n",
                getClass().getSimpleName(), LIFETIME.toMillis() / 1000.0, SPREAD.toMillis() / 1000.0);
        super.before();
    }
}
