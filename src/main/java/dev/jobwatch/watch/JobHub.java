package dev.jobwatch.watch;

import dev.jobwatch.job.JobRef;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * All watchers of one job on this pod share one hub: one change subscription, one read of Redis per
 * change, one {@link HubState} per version. Its {@link WatchReader} follows the job and publishes to its
 * {@link HubStates}, which its watchers hear; the {@link HubRegistry} decides when it opens and closes.
 */
final class JobHub {

    /** Chunks a hub keeps for its watchers; older ones are read from Redis by whoever needs them. */
    static final int CHUNK_WINDOW = 1024;

    private final JobRef ref;
    private final WatchReader reader;
    private final HubStates states = new HubStates();
    private Disposable following;

    JobHub(JobRef ref, WatchReader reader) {
        this.ref = ref;
        this.reader = reader;
    }

    JobRef ref() {
        return ref;
    }

    void start() {
        following = reader.follow(ref, states);
    }

    void close() {
        if (following != null) {
            following.dispose();
        }
    }

    /** The latest state, or null before the first read is done. */
    HubState current() {
        return states.current();
    }

    /** @see HubStates#latest() */
    Flux<HubState> latest() {
        return states.latest();
    }

    /** @see HubStates#relayOn(Scheduler) */
    Flux<HubState> relayOn(Scheduler loop) {
        return states.relayOn(loop);
    }

    /** Whether new watchers should get a fresh hub rather than this one's verdict. */
    boolean spent() {
        HubState state = states.current();
        return state != null && !state.ready();
    }
}
