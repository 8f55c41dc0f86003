package dev.jobwatch.watch;

import dev.jobwatch.job.JobRef;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * The hubs of this pod, one per watched job: made and started by the first watcher, kept while any
 * watcher holds it and for a short linger after the last leaves (so a reconnect finds it warm and
 * churn does not thrash Redis's subscriptions), then closed. Holds change under the map's lock for
 * the job, so a hub is never closed under a watcher that just took it.
 */
final class HubRegistry {

    private final Map<JobRef, Hold> hubs = new ConcurrentHashMap<>();
    private final Function<JobRef, JobHub> factory;
    private final long lingerMillis;
    private final Scheduler scheduler;

    /** A hub and how many watchers hold it; counts and the pending close change only under the map's lock. */
    static final class Hold {

        private final JobHub hub;
        private int watchers;
        /** The close at the end of the linger, while one is pending. */
        private Disposable closing;

        private Hold(JobHub hub) {
            this.hub = hub;
        }

        JobHub hub() {
            return hub;
        }

        private void cancelClosing() {
            if (closing != null) {
                closing.dispose();
                closing = null;
            }
        }
    }

    HubRegistry(Function<JobRef, JobHub> factory, long lingerMillis, Scheduler scheduler) {
        this.factory = factory;
        this.lingerMillis = lingerMillis;
        this.scheduler = scheduler;
    }

    /** The job's hub, held for the caller until it gives the hold back to {@link #release}. */
    Hold acquire(JobRef ref) {
        Hold[] made = new Hold[1];
        Hold hold = hubs.compute(ref, (key, existing) -> {
            Hold chosen = existing;
            if (chosen == null || chosen.hub.spent()) {
                if (chosen != null && chosen.watchers == 0) {
                    chosen.cancelClosing();
                    chosen.hub.close();
                }
                chosen = new Hold(factory.apply(key));
                made[0] = chosen;
            }
            chosen.watchers++;
            chosen.cancelClosing();
            return chosen;
        });
        if (made[0] != null) {
            made[0].hub.start();
        }
        return hold;
    }

    void release(Hold hold) {
        hubs.compute(hold.hub.ref(), (key, mapped) -> {
            hold.watchers--;
            if (hold.watchers == 0) {
                // A spent hub that a fresh one replaced while it was held closes with its last watcher.
                if (mapped != hold || lingerMillis == 0) {
                    hold.hub.close();
                    return mapped == hold ? null : mapped;
                }
                hold.closing = scheduler.schedule(() -> closeIfIdle(hold), lingerMillis, TimeUnit.MILLISECONDS);
            }
            return mapped;
        });
    }

    private void closeIfIdle(Hold hold) {
        hubs.computeIfPresent(hold.hub.ref(), (key, mapped) -> {
            if (mapped == hold && hold.watchers == 0) {
                // Not cancelled: this is the linger's own task.
                hold.closing = null;
                hold.hub.close();
                return null;
            }
            return mapped;
        });
    }

    /** Hubs open on this pod now. */
    int size() {
        return hubs.size();
    }
}
